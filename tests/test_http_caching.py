"""Static files and pictures carry their content hash in the URL and may be kept a year."""

import re

from lesnamax.templating import YEAR


def test_hashed_static_files_are_kept_a_year(client):
    page = client.get("/").text
    urls = re.findall(r'(?:href|src)="(/static/[^"]+\?v=[0-9a-f]{10})"', page)
    assert any(u.startswith("/static/css/shop.css") for u in urls)
    assert any(u.startswith("/static/vendor/htmx") for u in urls)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        control = response.cache_control
        assert control.max_age == YEAR and control.immutable and control.public, url
        assert response.headers.get("ETag"), url
        response.close()


def test_a_stale_or_missing_hash_keeps_the_short_default(client):
    for url in ("/static/css/shop.css?v=0000000000", "/static/css/shop.css"):
        response = client.get(url)
        assert response.status_code == 200
        assert response.cache_control.max_age == 3600
        assert not response.cache_control.immutable
        response.close()


def test_unchanged_static_file_answers_304(client):
    url = re.search(r'href="(/static/css/shop.css\?v=\w+)"', client.get("/").text)[1]
    first = client.get(url)
    etag = first.headers["ETag"]
    first.close()
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    again.close()
