"""What `cli.py` dispatches to besides the app itself: process, smoke, self_test."""
