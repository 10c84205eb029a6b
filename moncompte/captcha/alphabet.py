# R-CAP3: no look-alikes (no 0/O, 1/I/L); answers are compared case-insensitively.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
