"""How long a number a client may send, in a JSON body or a GraphQL document.

No field takes a number of more than a few digits (Int is 32-bit, prices are
strings), while turning a long digit string into a number costs time that
grows with its length and, past 4,300 digits, raises an error instead.
"""

MAX_NUMBER_LENGTH = 100
