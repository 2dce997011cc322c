"""What kind of image it is (photo, document, receipt, screenshot, drawing...) and the fields
each kind yields."""
