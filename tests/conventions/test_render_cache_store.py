"""Where the render cache keeps its fragments: compressed, in Redis when there is one, and never a page
lost when Redis stops answering."""

import os
import uuid

import pytest
import redis
from django.conf import settings
from django.core.cache import caches

from conventions import render_cache
from conventions.models import Convention
from tests.conventions.factories import ConventionFactory

pytestmark = pytest.mark.django_db

IN_CI = os.environ.get("CI") == "true"
BIG_HTML = "".join(
    f"<tr><td>Fiche 1.{n}</td><td>Accueil du jeune enfant</td><td>En cours</td></tr>" for n in range(300)
)


@pytest.fixture(autouse=True)
def _cache_reachable_again():
    yield
    render_cache._unreachable_until = 0.0


def saved_convention() -> Convention:
    """A convention saved by an earlier request: this one reads and writes its cached fragments."""
    convention = ConventionFactory()
    render_cache.forget_changes()
    return fresh(convention)


def fresh(convention: Convention) -> Convention:
    """The convention as another request (or worker) loads it."""
    return Convention.objects.get(pk=convention.pk)


def test_large_text_and_bytes_are_stored_compressed_and_read_back_equal():
    convention = saved_convention()
    html = render_cache.cached_html(convention, "big", render=lambda: BIG_HTML)
    stored = caches["render"].get(render_cache.cache_key(convention, "big"))
    assert stored[0] == render_cache.PACKED
    assert len(stored[2]) * 5 < len(BIG_HTML.encode())
    assert render_cache.cached_html(fresh(convention), "big", render=lambda: "rendered again") == html == BIG_HTML

    workbook = BIG_HTML.encode() + b"\x00\xff"
    assert render_cache.cached(convention, "bytes", build=lambda: workbook) == workbook
    assert render_cache.cached(fresh(convention), "bytes", build=lambda: b"built again") == workbook


def test_small_values_are_stored_as_they_are():
    convention = saved_convention()
    render_cache.cached_html(convention, "small", render=lambda: "<p>Court</p>")
    assert caches["render"].get(render_cache.cache_key(convention, "small")) == "<p>Court</p>"


def test_the_release_is_a_digest_of_the_code_unless_set(settings):
    settings.RENDER_CACHE_RELEASE = ""
    digest = render_cache.release()
    assert len(digest) == 16 and digest == render_cache.release()
    settings.RENDER_CACHE_RELEASE = "2026-12-07"
    assert render_cache.release() == "2026-12-07"


@pytest.fixture
def redis_render_cache(settings):
    """The ``render`` cache on the Redis of ``REDIS_URL``, as in production, under a prefix of this test."""
    if not settings.REDIS_URL:
        if IN_CI:
            pytest.fail("CI must provide REDIS_URL: the render cache's Redis store is tested there.")
        pytest.skip("No REDIS_URL: the render cache's Redis store is tested in CI.")
    prefix = f"ctg-render-test-{uuid.uuid4().hex}"
    settings.CACHES = {
        **settings.CACHES,
        "render": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": settings.REDIS_URL,
            "KEY_PREFIX": prefix,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        },
    }
    yield prefix
    client = redis.Redis.from_url(settings.REDIS_URL)
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


def test_redis_keeps_a_fragment_for_every_worker(redis_render_cache):
    convention = saved_convention()
    renders = []

    def render():
        renders.append(1)
        return BIG_HTML

    assert render_cache.cached_html(convention, "shared", render=render) == BIG_HTML
    caches["render"].close()  # another worker: its own connection, the same Redis
    assert render_cache.cached_html(fresh(convention), "shared", render=render) == BIG_HTML
    assert renders == [1]
    stored_keys = list(redis.Redis.from_url(settings.REDIS_URL).scan_iter(f"{redis_render_cache}:*"))
    assert len(stored_keys) == 1


def test_pages_are_built_without_the_cache_while_redis_does_not_answer(settings, caplog):
    settings.CACHES = {
        **settings.CACHES,
        "render": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # the discard port: nothing listens there
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        },
    }
    convention = saved_convention()
    renders = []

    def render():
        renders.append(1)
        return f"<p>{len(renders)}</p>"

    assert render_cache.cached_html(convention, "down", render=render) == "<p>1</p>"
    assert "Render cache: read" in caplog.text
    # Left alone for a while: the next pages do not wait for Redis again.
    asked = []
    original_get = caches["render"].get
    caches["render"].get = lambda *args, **kwargs: asked.append(1) or original_get(*args, **kwargs)
    assert render_cache.cached_html(fresh(convention), "down", render=render) == "<p>2</p>"
    assert asked == []
    # Once the pause is over, the cache is asked again.
    render_cache._unreachable_until = 0.0
    assert render_cache.cached_html(fresh(convention), "down", render=render) == "<p>3</p>"
    assert asked == [1]
