"""Dutch stop words.

Based on the Snowball project's Dutch stop list (snowballstem.org, BSD licence), folded
(no diacritics) and trimmed: words that carry meaning in a query on their own ("wezen",
"zelf", "tegen", "zonder", "alles", "niets", "iemand", "andere", "altijd", "doen", "veel",
"meer", "kunnen", "onder") are kept in the index, and contracted forms ("zn", "mn", "dr")
are added. Stop words are dropped from the index and from queries; BM25 gives such words
almost no weight anyway, so dropping them mostly saves space and time.
"""

STOP_WORDS: frozenset[str] = frozenset("""
aan al als ben bij dan dat de der deze die dit doch door dus een eens en er ge geen geweest
had haar heb hebben heeft hem het hier hij hoe hun ik in is ja je kan kon maar me men met
mij mijn moet na naar niet nog nu of om omdat ons ook op over reeds te tot toch toen u uit
uw van want waren was wat werd wie wil worden wordt ze zal zich zij zijn zo zou
zn mn dr t s
""".split())
