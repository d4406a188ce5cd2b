"""Image resizer: uploads/ images get an 800×600-bounded copy under resized/ (Pillow)."""
