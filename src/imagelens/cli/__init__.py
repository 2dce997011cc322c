"""The ``imagelens`` command line."""
