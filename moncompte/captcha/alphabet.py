# R-CAP3: no look-alikes (no 0/O, 1/I/L); answers are compared case-insensitively.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

# R-CAP5: the sound has its own answer, never the picture's. It says numbers from 10 to 99 in French, the way a
# telephone number is read out (« quarante-sept, quatre-vingt-douze, treize »), and the person types their
# digits (« 479213 »). Number words do not match the typed digits one to one (« soixante-dix-sept » is 77),
# so a script cannot cut the sound into one piece per character.
AUDIO_ALPHABET = "0123456789"
AUDIO_NUMBER_LOW, AUDIO_NUMBER_HIGH = 10, 99
AUDIO_LENGTH = 6  # digits typed: three numbers
