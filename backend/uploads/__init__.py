"""Photo uploads: decoded, size-limited, stripped of EXIF, re-encoded, stored behind one interface."""
