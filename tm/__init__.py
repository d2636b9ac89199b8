"""tm: an Arabic to English translation memory."""

__version__ = "0.1.0"
