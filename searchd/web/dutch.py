"""What the page and the admin page say of an error, in Dutch: the library's errors carry an
English message (for the CLI, the logs and the API) and a code with its details
(errors.py); here each code has its Dutch sentence. An error without one gets the Dutch
sentence of its kind, never the English message."""

from __future__ import annotations

from typing import Any

from ..errors import SearchdError

# the request parameters, as the page names them
PARAMETERS = {"page": "pagina", "limit": "aantal", "since": "vanaf", "until": "tot en met",
              "sort": "sortering", "deel": "deel", "collapse": "samenvoegen",
              "explain": "uitleg", "format": "formaat", "author": "auteur"}

MESSAGES = {
    "bad_query": "Deze zoekopdracht kan niet worden uitgevoerd.",
    "too_costly": "Deze zoekopdracht vraagt te veel werk.",
    "busy": "Er lopen nu te veel zware zoekopdrachten tegelijk.",
    "not_found": "Er is geen document {id!r}.",
    "file_unreadable": "Het bestand van {id!r} kan nu niet worden gelezen.",
    "no_index": "Er is nog geen index om in te zoeken.",
    "index_locked": "De index wordt op dit moment bijgewerkt.",
    "unavailable": "Dit lukt nu niet; er is niets veranderd.",
    "signin_unavailable": "Aanmelden lukt nu niet: de aanmeldgegevens van de server zijn "
                          "niet bruikbaar (het logboek noemt de oorzaak).",
    "config": "De configuratie van de zoekdienst klopt niet.",
    "error": "Er ging iets mis.",
    "too_many_authors": "Kies ten hoogste {most} auteurs (nu {got}).",
    "author_too_long": "Een auteursnaam heeft ten hoogste {most} tekens.",
    "unknown_format": "Onbekend formaat {got!r}; kies uit {allowed}.",
    "bad_month": "{name} moet een maand zijn als JJJJ-MM of een jaar als JJJJ, niet {got!r}.",
    "months_reversed": "De maand 'vanaf' ({since}) ligt na 'tot en met' ({until}).",
    "unknown_sort": "Onbekende sortering {got!r}; kies relevantie, nieuwste of oudste.",
    "page_range": "Het paginanummer moet tussen 1 en {most} liggen (niet {got}).",
    "limit_range": "Het aantal resultaten per pagina moet tussen 1 en {most} liggen "
                   "(niet {got}).",
    "bad_part": "Het deel moet een geheel getal van 1 of meer zijn, niet {got!r}.",
    "query_too_long": "De zoekopdracht is te lang ({got} tekens; ten hoogste {most}).",
    "not_a_number": "{name} moet een positief geheel getal zijn, niet {got!r}.",
    "not_yes_no": "{name} moet ja of nee zijn, niet {got!r}.",
}

HINTS = {
    "too_costly": "Gebruik minder of zeldzamere woorden, zinnen of patronen.",
    "busy": "Probeer het over een ogenblik opnieuw.",
    "no_index": "De beheerder moet eerst `searchd index` uitvoeren.",
    "index_locked": "Probeer het over een ogenblik opnieuw.",
    "unavailable": "Probeer het later opnieuw; het logboek noemt de oorzaak.",
}

HTTP = {400: "Ongeldig verzoek.", 401: "Niet aangemeld.", 403: "Geen toegang.",
        404: "Deze pagina bestaat niet.", 405: "Deze methode is hier niet toegestaan.",
        413: "Het verzoek is te groot.", 414: "Het webadres is te lang.",
        429: "Te veel verzoeken; probeer het over een ogenblik opnieuw.",
        431: "De kopregels van het verzoek zijn te groot.",
        500: "Er ging iets mis aan onze kant.", 503: "De dienst is nu niet beschikbaar."}


def message(exc: SearchdError) -> tuple[str, str]:
    """(the Dutch sentence, the Dutch hint) of a library error."""
    details: dict[str, Any] = {k: PARAMETERS.get(v, v) if k == "name" else v
                               for k, v in getattr(exc, "details", {}).items()}
    template = MESSAGES.get(exc.code) or MESSAGES.get(_kind(exc)) or MESSAGES["error"]
    try:
        sentence = template.format(**details)
    except (KeyError, IndexError, ValueError):
        sentence = MESSAGES.get(_kind(exc), MESSAGES["error"])
    return sentence[:1].upper() + sentence[1:], HINTS.get(exc.code, HINTS.get(_kind(exc), ""))


def http_message(status: int) -> str:
    """The Dutch sentence of an HTTP error status."""
    return HTTP.get(status, HTTP[500] if status >= 500 else HTTP[400])


def _kind(exc: SearchdError) -> str:
    """The code of the error's class (its code's default)."""
    return str(type(exc).code)
