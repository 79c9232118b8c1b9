"""The WSGI entry point of ``make bench-national``: the portal, plus a bare-response floor.

gunicorn serves ``bench.national_floor:application``: ``FLOOR_PATH`` answers a fixed ~150 KB HTML page
straight from this function (no Django, no middleware, no query), every other path goes to the portal
(``ctg_portal.wsgi``). The floor thus runs in the same gunicorn workers, on the same port, as the pages
it is compared with: what it costs is the server, the network and the load tool, the part of a page's
time no code of the portal can remove. It exists only in this entry point, never in the portal's URLs.
"""

from ctg_portal.wsgi import application as portal_application

FLOOR_PATH = "/bench-floor/"
FLOOR_KB = 150

_ROW = "<tr><td class=\"fr-cell\">Fiche action</td><td>Développer l'offre d'accueil du jeune enfant</td></tr>\n"
_BODY = (
    '<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Plancher</title></head><body><table>\n'
    + _ROW * (FLOOR_KB * 1024 // len(_ROW.encode()))
    + "</table></body></html>\n"
).encode()
_HEADERS = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(_BODY)))]


def application(environ, start_response):
    if environ.get("PATH_INFO") == FLOOR_PATH:
        start_response("200 OK", _HEADERS)
        return [_BODY]
    return portal_application(environ, start_response)
