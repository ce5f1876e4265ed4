"""Buyers who press "Place the order" at the same moment: the races of the checkout (the last
units of a product or a variant, the last place of a delivery day)."""

from __future__ import annotations

import threading

from .test_checkout import go_to_review, place_form


def buyers_at_review(app, make_user, product_ids: list[int], payment: str = "cash") -> list:
    """One logged-in customer per product id, each on a network of their own, at the review
    page with one of that product in the cart; returns (client, the place form) pairs."""
    ready = []
    for n, product_id in enumerate(product_ids):
        user = make_user()
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"198.51.100.{n}"  # no shared rate limit
        client.post("/account/login", data={"email": user.email, "password": user.password})
        client.post("/cart/add", data={"product_id": product_id})
        ready.append((client, place_form(go_to_review(client, payment=payment).text)))
    return ready


def place_at_once(ready: list, wait: float = 90) -> list:
    """Every buyer of ``ready`` posts their place form at once (behind a barrier); returns the
    answers in the same order."""
    barrier = threading.Barrier(len(ready))
    results: list = [None] * len(ready)

    def buy(i, client, form):
        barrier.wait()
        results[i] = client.post("/checkout/place", data=form)

    threads = [threading.Thread(target=buy, args=(i, c, f)) for i, (c, f) in enumerate(ready)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(wait)
    return results
