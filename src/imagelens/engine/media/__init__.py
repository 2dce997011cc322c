"""How a multi-picture file is read: a PDF page by page, a video key frame by key frame."""
