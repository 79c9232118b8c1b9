"""Cached HTML fragments of a convention's pages, invalidated by a per-convention counter.

A fragment (the action plan's tree on the convention page, the findings of the diagnostic…) is cached
under a key naming everything it depends on: the fragment's name, the database, the convention (primary
key and creation time, so test databases that reuse keys never collide), its ``content_version``, the active
language, today's date (lateness and statuses depend on it), a release token (a deployment may change
templates) and ``vary``, what else the caller's fragment depends on (the user's abilities…).

``content_version`` goes up in the same transaction as any change of a row shown on the convention's
pages: each app registers its models in its ``AppConfig.ready()`` with ``watch(Model, conventions_of=…)``,
and post-save, pre-delete and many-to-many receivers call ``touch``. A key is therefore never reused
for other content: there is nothing to delete, old entries just age out of the cache. Writes that send
no signal (``QuerySet.update``, ``bulk_create``, ``bulk_update``, raw SQL) call ``touch`` themselves;
``tests/conventions/test_render_cache.py`` checks that every model of the portal is watched (or
ignored with a reason).

Never cache what belongs to one user: no CSRF token, no message, no user name inside a fragment.

The fragments live in the ``render`` cache (settings ``CACHES``): Redis when ``RENDER_CACHE_URL`` (by
default ``REDIS_URL``) is set, otherwise each process's memory. Text and bytes are stored compressed
(zlib, fastest level: a 200 KB page section in about 1 ms, read back in half of that, five to ten times
smaller). Should Redis stop answering, pages are built afresh (logged) and Redis is left alone for
``UNREACHABLE_PAUSE_SECONDS``: the cache speeds the portal up, it must never stop it.
"""

import functools
import hashlib
import logging
import threading
import time
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.core.signals import request_started
from django.db import connections, models
from django.db.models.signals import m2m_changed, post_save, pre_delete, pre_save
from django.middleware.csrf import get_token
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

from conventions.models import Convention
from partners.signals import rows_written_in_bulk


class _All:
    """``conventions_of`` answers this for rows every convention may show (domains, the catalogue)."""

    def __repr__(self):
        return "ALL"


ALL = _All()

# Model → functions mapping one instance to the conventions showing it (an id, ids, a queryset of ids, a
# list of querysets, or ALL); each app adds the ones for what its own pages show.
WATCHED: dict[type[models.Model], list[Callable]] = {}
# Model → why its rows never appear in a cached fragment.
IGNORED: dict[type[models.Model], str] = {}

# Conventions changed by this thread since its request started: a view that writes then renders in the
# same request holds a convention loaded before the write (an old ``content_version``), so its
# fragments are rendered afresh, neither read from nor written to the cache.
_local = threading.local()


def _changed_here() -> set[int | _All]:
    changed = getattr(_local, "changed", None)
    if changed is None:
        changed = _local.changed = set()
    return changed


def forget_changes(**kwargs):
    """Called at the start of each request (and by tests standing for one)."""
    _local.changed = set()


request_started.connect(forget_changes, dispatch_uid="render_cache_forget_changes")


def enabled() -> bool:
    return getattr(settings, "RENDER_CACHE_ENABLED", True)


def touch(convention_ids) -> None:
    """Raises the ``content_version`` of these conventions, inside the current transaction.

    ``convention_ids``: one id, an iterable of ids, a queryset (of conventions or of their ids: one
    UPDATE with a subquery) or ``ALL``.
    """
    if convention_ids is None:
        return
    if convention_ids is ALL:
        rows = Convention.objects.all()
        _changed_here().add(ALL)
    elif isinstance(convention_ids, models.QuerySet):
        rows = Convention.objects.filter(pk__in=convention_ids)
        _changed_here().add(ALL)  # which ones is known to the database only
    else:
        ids = {convention_ids} if isinstance(convention_ids, int) else {pk for pk in convention_ids if pk}
        if not ids:
            return
        rows = Convention.objects.filter(pk__in=ids)
        _changed_here().update(ids)
    rows.update(content_version=models.F("content_version") + 1)


CACHE_ALIAS = "render"
# After the cache failed to answer, so many seconds without asking it (each attempt may cost a timeout).
UNREACHABLE_PAUSE_SECONDS = 30
# Text and bytes from this size on are stored compressed.
COMPRESS_FROM_BYTES = 2048

logger = logging.getLogger(__name__)

# Folders and files whose content makes the default release token (``release()``).
_RELEASE_SOURCES = (
    "action_plans",
    "conventions",
    "ctg_portal",
    "diagnostics",
    "documents",
    "partners",
    "workflow",
    "templates",
    "locale",
    "static",
    "requirements.txt",
)
_RELEASE_SUFFIXES = {".py", ".html", ".txt", ".mo", ".css", ".js", ".svg"}


def release() -> str:
    """``RENDER_CACHE_RELEASE``, or else a digest of the code, templates, translations and static files
    that render the fragments: every worker of one deployment computes the same token, and a new
    deployment (or an edited template in development, after the reload) gets keys of its own."""
    return str(settings.RENDER_CACHE_RELEASE or _code_digest())


@functools.cache
def _code_digest() -> str:
    base = Path(settings.BASE_DIR)
    digest = hashlib.sha256()
    for source in _RELEASE_SOURCES:
        path = base / source
        files = [path] if path.is_file() else sorted(path.rglob("*")) if path.is_dir() else []
        for file in files:
            if file.suffix in _RELEASE_SUFFIXES and file.is_file():
                digest.update(str(file.relative_to(base)).encode())
                digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def cache_key(convention: Convention, name: str, vary: Iterable = ()) -> str:
    varying = "|".join(map(str, vary))
    if len(varying) > 80:
        varying = hashlib.sha256(varying.encode()).hexdigest()[:32]
    return ":".join(
        (
            "render",
            release(),
            # Two databases (staging and production, the benchmark's two) may share one Redis.
            connections[Convention.objects.db].settings_dict["NAME"].replace(":", "_"),
            name,
            str(convention.pk),
            str(int(convention.created_at.timestamp() * 1_000_000)),
            str(convention.content_version),
            translation.get_language() or "",
            timezone.localdate().isoformat(),
            varying,
        )
    )


# What ``{% csrf_token %}`` writes in a fragment rendered with ``fragment_context()``: the reader's own
# token replaces it when the fragment is served (``cached_html(..., request=request)``).
CSRF_PLACEHOLDER = "render-cache-csrf-token-placeholder"


def fragment_context(context: dict) -> dict:
    """The context of a cached fragment's template, rendered without the request (so nothing of the
    reader can slip in: no user, no messages): forms get a placeholder for the CSRF token."""
    return {**context, "csrf_token": CSRF_PLACEHOLDER}


def cached(convention: Convention, name: str, *, vary: Iterable = (), build: Callable[[], object]):
    """What ``build()`` returns for ``convention`` (HTML, a workbook's bytes…), from the cache when it holds
    it under the same key (see ``cache_key``), else built and cached. Built afresh, and not cached, when
    the cache is off or when this request changed the convention."""
    changed = _changed_here()
    if not enabled() or convention.pk in changed or ALL in changed:
        return build()
    key = cache_key(convention, name, vary)
    value = _read(key)
    if value is _MISSING:
        value = build()
        _write(key, value)
    return value


_MISSING = object()
# Until when (``time.monotonic()``) the cache is not asked, after it failed to answer.
_unreachable_until = 0.0


def _cache_usable() -> bool:
    return time.monotonic() >= _unreachable_until


def _cache_failed(operation: str, key: str) -> None:
    global _unreachable_until
    _unreachable_until = time.monotonic() + UNREACHABLE_PAUSE_SECONDS
    logger.exception(
        "Render cache: %s of %s failed; pages are built without the cache for %s s",
        operation,
        key,
        UNREACHABLE_PAUSE_SECONDS,
    )


def _read(key: str):
    if not _cache_usable():
        return _MISSING
    try:
        stored = caches[CACHE_ALIAS].get(key, _MISSING)
    except Exception:  # Redis down or too slow: build the page afresh
        _cache_failed("read", key)
        return _MISSING
    return _unpack(stored)


def _write(key: str, value) -> None:
    if not _cache_usable():
        return
    try:
        caches[CACHE_ALIAS].set(key, _pack(value), timeout=settings.RENDER_CACHE_SECONDS)
    except Exception:  # Redis down, full or too slow: the page was built, only the cache entry is lost
        _cache_failed("write", key)


# How compressed text and bytes are stored: a plain tuple (``PACKED``, is_text, zlib data), so that
# reading an entry never depends on a class of this code (which a later release might rename).
PACKED = "ctg-render-zlib-1"


def _pack(value):
    raw = value.encode() if isinstance(value, str) else value
    if not isinstance(raw, bytes) or len(raw) < COMPRESS_FROM_BYTES:
        return value
    return (PACKED, isinstance(value, str), zlib.compress(raw, 1))


def _unpack(stored):
    if isinstance(stored, tuple) and len(stored) == 3 and stored[0] == PACKED:
        raw = zlib.decompress(stored[2])
        return raw.decode() if stored[1] else raw
    return stored


def cached_html(
    convention: Convention, name: str, *, vary: Iterable = (), render: Callable[[], str], request=None
) -> SafeString:
    """The fragment ``name`` of ``convention``: from the cache, or ``render()`` (then cached).

    ``render`` returns the fragment's HTML (``render_to_string(template, fragment_context(...))``, without
    the request, or a ``SafeString`` built in Python); ``vary`` lists what else it depends on, for
    example the user's abilities it shows. A fragment holding forms needs ``request``: its CSRF
    placeholder becomes the reader's token.
    """
    html = cached(convention, name, vary=vary, build=lambda: str(render()))
    if CSRF_PLACEHOLDER in html and request is None:
        raise ValueError(f"The fragment {name!r} holds a form: pass the request to cached_html().")
    return with_csrf_token(html, request)


def with_csrf_token(html: str, request) -> SafeString:
    """``html`` (trusted HTML) with the reader's own CSRF token in place of every ``CSRF_PLACEHOLDER``."""
    if CSRF_PLACEHOLDER in html:
        token = getattr(request, "_render_cache_csrf_token", None)
        if token is None:
            token = request._render_cache_csrf_token = get_token(request)
        html = html.replace(CSRF_PLACEHOLDER, token)
    return mark_safe(html)


def _touch_for(model, instance) -> None:
    for conventions_of in WATCHED[model]:
        try:
            found = conventions_of(instance)
        except model.DoesNotExist:  # a row already gone (deleted with its convention): nothing shows it
            continue
        # A list may mix querysets (one UPDATE each) and ids.
        if isinstance(found, list) and any(isinstance(item, models.QuerySet) for item in found):
            for item in found:
                touch(item)
        else:
            touch(found)


def _saved(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw:  # loaddata: fixtures, no page shown yet
        return
    if sender in _IGNORED_FIELDS and update_fields and set(update_fields) <= _IGNORED_FIELDS[sender]:
        return
    _touch_for(sender, instance)


def _moving(sender, instance, raw=False, **kwargs):
    """Before a save of a row that may move (a commune to another intercommunality): when a field of
    ``_MOVES_BY[sender]`` changes, the conventions that showed the row where it was are touched too."""
    if raw or instance._state.adding or instance.pk is None:
        return
    fields = [sender._meta.get_field(name) for name in _MOVES_BY[sender]]
    stored = sender._default_manager.filter(pk=instance.pk).only(*(field.name for field in fields)).first()
    if stored is not None and any(getattr(stored, f.attname) != getattr(instance, f.attname) for f in fields):
        _touch_for(sender, stored)


def _deleted(sender, instance, **kwargs):
    # Before the delete: the rows leading to the convention still exist.
    _touch_for(sender, instance)


# Fields whose saves alone change nothing shown (a user's last login).
_IGNORED_FIELDS: dict[type[models.Model], frozenset[str]] = {}
# Fields that move a row from some conventions' pages to others' (``watch(..., moves_by=…)``).
_MOVES_BY: dict[type[models.Model], frozenset[str]] = {}


def watch(
    model: type[models.Model],
    *,
    conventions_of: Callable[[models.Model], object],
    ignore_saves_of: Iterable[str] = (),
    moves_by: Iterable[str] = (),
) -> None:
    """Raises the version of ``conventions_of(instance)`` whenever a row of ``model`` is saved or
    deleted, or one of its many-to-many relations changes (from either side).

    ``conventions_of`` reads the instance's own foreign keys (it also runs just before a delete) and
    returns a convention id, ids, a queryset of ids (``….values("convention_id")``), a list of such
    querysets, or ``ALL``. Several apps may watch one model (an organisation shows on the pages of
    each), each for what it shows. ``moves_by`` names the fields that ``conventions_of`` follows and a
    save may change (a commune's ``epci``): the conventions of the row as it was stored are touched too
    (one more SELECT before each save of such a row).
    """
    already = model in WATCHED
    WATCHED.setdefault(model, []).append(conventions_of)
    if ignore_saves_of:
        _IGNORED_FIELDS[model] = frozenset(ignore_saves_of)
    if moves_by:
        _MOVES_BY[model] = _MOVES_BY.get(model, frozenset()) | frozenset(moves_by)
        pre_save.connect(_moving, sender=model, dispatch_uid=f"render_cache_{model._meta.label_lower}_move", weak=False)
    if already:  # receivers connected by the first registration
        return
    uid = f"render_cache_{model._meta.label_lower}"
    post_save.connect(_saved, sender=model, dispatch_uid=uid + "_save", weak=False)
    pre_delete.connect(_deleted, sender=model, dispatch_uid=uid + "_delete", weak=False)
    for field in model._meta.local_many_to_many:
        m2m_changed.connect(
            _m2m_receiver(model, field),
            sender=field.remote_field.through,
            dispatch_uid=uid + "_" + field.name,
            weak=False,
        )


def _written_in_bulk(sender, pks=None, **kwargs):
    if sender not in WATCHED:
        return
    if pks is None:
        touch(ALL)
        return
    for row in sender._default_manager.filter(pk__in=list(pks)):
        _touch_for(sender, row)


rows_written_in_bulk.connect(_written_in_bulk, dispatch_uid="render_cache_rows_written_in_bulk")


def ignore(model: type[models.Model], *, reason: str) -> None:
    """Declares that rows of ``model`` never appear in a cached fragment (the test then accepts it)."""
    IGNORED[model] = reason


def _m2m_receiver(owner: type[models.Model], field):
    through = field.remote_field.through
    # The through model's fields pointing at the watched model and at the other side.
    own_field = field.m2m_field_name()
    other_field = field.m2m_reverse_field_name()

    def changed(sender, instance, action, reverse, pk_set, **kwargs):
        if action not in ("post_add", "post_remove", "pre_clear"):
            return
        if not reverse:  # instance is the watched row
            _touch_for(owner, instance)
            return
        # instance is on the other side: the watched rows are pk_set, or all of its rows on a clear.
        if action == "pre_clear":
            pks = list(through.objects.filter(**{other_field: instance.pk}).values_list(own_field, flat=True))
        else:
            pks = list(pk_set or ())
        for row in owner._default_manager.filter(pk__in=pks):
            _touch_for(owner, row)

    return changed
