"""litmap: literature reviews and systematic maps on one SQLite store."""

__version__ = "0.1.0"
