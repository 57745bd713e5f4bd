"""Settings: one's profile, password and account; admins manage people."""
