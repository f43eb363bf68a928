"""Firmware templates (one folder per TFLM library), shipped inside the wheel; see edgekit.render."""
