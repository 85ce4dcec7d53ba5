"""PhotoLot: room photos in, moving inventory out, progress streamed live."""

APP_NAME = "PhotoLot"
__version__ = "0.1.0"
