"""What the API does, without HTTP: taking images in, and shaping stored rows for the wire."""
