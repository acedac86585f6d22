"""Small utilities shared across mmposenas."""
from .io import atomic_write_bytes, atomic_write_text  # noqa: F401
