"""The deletion experience shared by every feature: preview, confirm, delete, undo notice."""
