# R-CAP3: no look-alikes: no 0/O, 1/I/L, and, once slanted, crowded and bent, no 4 (read as A), 7 (read as T,
# Z or J) nor 8 (read as B) — the misreadings of a reading test of 50 pictures. Compared case-insensitively.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23569"

# R-CAP5: the sound has its own answer, never the picture's. It says numbers from 10 to 99 in French, the way a
# telephone number is read out (« quarante-sept, quatre-vingt-douze, treize, soixante et onze, cinquante-cinq »),
# and the person types their digits (« 4792137155 »). Number words do not match the typed digits one to one
# (« soixante-dix-sept » is 77), so a script cannot cut the sound into one piece per character. Five numbers:
# a script that gets each right one time in two gets the whole answer about one time in thirty.
AUDIO_ALPHABET = "0123456789"
AUDIO_NUMBER_LOW, AUDIO_NUMBER_HIGH = 10, 99
AUDIO_LENGTH = 10  # digits typed: five numbers, as many as a telephone number
