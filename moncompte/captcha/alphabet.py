# R-CAP3: no look-alikes: no 0/O, 1/I/L, and, once slanted, crowded and bent, none of the characters that
# reading tests of 50 pictures misread: 4 (read as A), 7 (T, Z or J), 8 and 3 (B), 5 (S), Z (2, X or 7),
# F (E, or read for a T), W (M, N, VV), X (I, K or Y), Y (V or X). Compared case-insensitively.
ALPHABET = "ABCDEGHJKMNPQRSTUV269"

# R-CAP3: a character that is never drawn, typed where the picture has the one it looks like, counts as that
# one: a person who reads the Q as an O, the J as an I, the T as a 7, two crowded V as a W is right. A reader
# trained on the generator only ever answers with the alphabet, so this helps people and no script.
LOOK_ALIKES = {
    **{"O": "Q", "0": "Q", "I": "J", "1": "J", "Z": "2", "Y": "V", "W": "VV", "X": "K"},
    **{"3": "B", "8": "B", "5": "S", "4": "A", "7": "T"},
}

# R-CAP5: the sound has its own answer, never the picture's. It says numbers from 10 to 99 in French, the way a
# telephone number is read out (« quarante-sept, quatre-vingt-douze, treize, soixante et onze, cinquante-cinq »),
# and the person types their digits (« 4792137155 »). Number words do not match the typed digits one to one
# (« soixante-dix-sept » is 77), so a script cannot cut the sound into one piece per character. Five numbers:
# a script that gets each right one time in two gets the whole answer about one time in thirty.
AUDIO_ALPHABET = "0123456789"
AUDIO_NUMBER_LOW, AUDIO_NUMBER_HIGH = 10, 99
AUDIO_LENGTH = 10  # digits typed: five numbers, as many as a telephone number
