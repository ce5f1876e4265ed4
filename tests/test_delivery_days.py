"""Delivery days: never a Sunday or a Kosovo public holiday, the lead time and the days of the
week of the area, a daily capacity that holds when buyers race for the last place."""

import re
from datetime import date, timedelta

from sqlalchemy import func, select

from lesnamax import deliverydays
from lesnamax.catalogue.models import Product
from lesnamax.extensions import db
from lesnamax.orders.models import DeliverySlot, Order
from lesnamax.shopsettings import ShopSettings

from .race_support import buyers_at_review, place_at_once
from .test_checkout import choose_day, go_to_review, place_form

DAY_RADIO = re.compile(r'name="day" type="radio" value="([0-9-]+)"')


def test_sundays_and_kosovo_holidays_are_never_working_days():
    assert not deliverydays.is_working_day(date(2026, 12, 13))  # a Sunday
    assert not deliverydays.is_working_day(date(2026, 12, 25))  # Catholic Christmas
    assert not deliverydays.is_working_day(date(2027, 1, 1))  # New Year
    assert not deliverydays.is_working_day(date(2027, 1, 7))  # Orthodox Christmas
    assert not deliverydays.is_working_day(date(2027, 2, 17))  # Independence Day
    assert not deliverydays.is_working_day(date(2027, 4, 9))  # Constitution Day
    assert deliverydays.is_working_day(date(2026, 12, 24))
    assert deliverydays.holiday_name(date(2027, 2, 17)) == "Independence Day"


def test_lead_time_counts_working_days_only():
    # Wednesday 23 December 2026 + 2 working days: the 24th, then (25th Christmas, 26th
    # Saturday is a working day) the 26th.
    assert deliverydays.add_working_days(date(2026, 12, 23), 2) == date(2026, 12, 26)
    # Thursday 31st + 1: New Year's two days (Friday, Saturday), the Sunday, and Monday the
    # 4th, when the Saturday's holiday is observed.
    assert deliverydays.add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 5)


def test_candidates_keep_the_weekdays_lead_and_skip_holidays():
    days = deliverydays.candidates("135", 1, date(2026, 12, 21))  # a Monday
    # Friday 25th and 1st are holidays, Monday 4th is New Year's observed.
    assert days[:4] == [date(2026, 12, 23), date(2026, 12, 28), date(2026, 12, 30),
                        date(2027, 1, 6)]
    assert all(d.isoweekday() in (1, 3, 5) for d in days)
    assert all(deliverydays.is_working_day(d) for d in days)
    # Monday to Saturday never gives a Sunday; lead 0 still not today.
    days = deliverydays.candidates("123456", 0, date(2026, 12, 5))
    assert days[0] == date(2026, 12, 7) and all(d.isoweekday() != 7 for d in days)


def test_open_days_leave_out_full_days_and_say_what_is_left():
    days = [date(2026, 12, 8), date(2026, 12, 9), date(2026, 12, 10)]
    found = deliverydays.open_days(days, 3, {days[0]: 3, days[1]: 2}, offered=2)
    assert [(o.day, o.left) for o in found] == [(days[1], 1), (days[2], 3)]


def set_schedule(app, code: str, weekdays: str, lead: int, capacity: int) -> None:
    """Give municipality ``code`` its own delivery days (the owner's settings, as stored)."""
    with app.test_request_context():
        from lesnamax import shopsettings

        shopsettings.seed(app)
        row = db.session.get(ShopSettings, 1)
        rules = dict(row.delivery)
        fee, low, high = rules.get(code, rules["*"])[:3]
        rules[code] = [fee, low, high, weekdays, lead, capacity]
        row.delivery = rules
        db.session.commit()


def chair_at_review(app, client, make_product, capacity: int):
    """Prishtinë delivered Monday to Saturday, a day ahead, ``capacity`` places a day; the
    logged-in ``client`` at the review page with a chair (5 in stock). Returns both."""
    set_schedule(app, "prishtine", "123456", 1, capacity)
    chair = make_product(stock=5)
    client.post("/cart/add", data={"product_id": chair.id})
    return chair, go_to_review(client, payment="cash")


def offered(client) -> list[str]:
    page = client.get("/checkout/day")
    assert page.status_code == 200
    return DAY_RADIO.findall(page.text)


def test_the_day_step_offers_the_areas_days(app, client, make_product, make_user, login):
    set_schedule(app, "peje", "25", 2, 5)
    login(make_user())
    chair = make_product(stock=5)
    client.post("/cart/add", data={"product_id": chair.id})
    go_to_review(client)
    days = [date.fromisoformat(d) for d in offered(client)]
    assert days and all(d.isoweekday() in range(1, 7) for d in days)  # Prishtinë: Mon–Sat
    assert all(deliverydays.is_working_day(d) and d > date.today() for d in days)
    client.post("/checkout/address", data={
        "first_name": "Arta", "last_name": "Krasniqi", "phone": "044 123 456",
        "street": "Rr. Mbretëresha Teutë 4", "municipality": "peje", "postal_code": "30000"})
    client.post("/checkout/delivery", data={"method": "standard"})
    days = [date.fromisoformat(d) for d in offered(client)]
    assert days and all(d.isoweekday() in (2, 5) for d in days)  # Pejë: Tuesday and Friday
    assert days[0] >= deliverydays.add_working_days(date.today(), 2)
    # A day not offered is refused with a translated 422, nothing else lost.
    refused = client.post("/checkout/day", data={"day": "2026-12-13"})
    assert refused.status_code == 422 and "Zgjidhni një nga ditët e ofruara." in refused.text
    assert client.post("/checkout/day", data={"day": "garbage"}).status_code == 422


def test_the_review_shows_the_day_and_the_order_keeps_it(app, client, make_product, make_user,
                                                         login):
    user = make_user()
    login(user)
    chair = make_product(stock=5)
    client.post("/cart/add", data={"product_id": chair.id})
    review = go_to_review(client)
    day = date.fromisoformat(DAY_RADIO.findall(client.get("/checkout/day").text)[0])
    assert "Dita e dorëzimit" in review.text
    assert client.post("/checkout/place", data=place_form(review.text)).status_code == 303
    with app.app_context():
        order = db.session.scalars(select(Order)).one()
        assert (order.delivery_day, order.delivery_area) == (day, "area:prishtine")
        assert db.session.get(DeliverySlot, ("area:prishtine", day)).booked == 1
        number = order.number
    page = client.get(f"/orders/{number}").text
    assert "Dita e dorëzimit" in page and str(day.day) in page
    export = client.get("/account/export.json").get_json()
    assert export["orders"][0]["delivery_day"] == day.isoformat()


def test_a_day_changed_in_another_tab_stops_the_order(app, client, make_product, make_user,
                                                      login):
    login(make_user())
    chair = make_product(stock=5)
    client.post("/cart/add", data={"product_id": chair.id})
    form = place_form(go_to_review(client).text)
    choose_day(client, which=1)  # another tab chose another day
    stopped = client.post("/checkout/place", data=form)
    assert stopped.status_code == 409 and "asgjë nuk u porosit" in stopped.text
    with app.app_context():
        assert db.session.scalar(select(func.count(Order.id))) == 0


def test_a_day_filled_after_the_review_asks_for_another_and_keeps_everything(
        app, client, make_product, make_user, login):
    login(make_user())
    chair, review = chair_at_review(app, client, make_product, capacity=2)
    day = date.fromisoformat(DAY_RADIO.findall(client.get("/checkout/day").text)[0])
    with app.app_context():  # two other orders took that day's places meanwhile
        db.session.add(DeliverySlot(area="area:prishtine", day=day, booked=2))
        db.session.commit()
    stopped = client.post("/checkout/place", data=place_form(review.text))
    assert stopped.status_code == 409
    assert "nuk është më e lirë" in stopped.text and "asgjë nuk u porosit" in stopped.text
    assert day.isoformat() not in DAY_RADIO.findall(stopped.text)  # the full day is gone
    with app.app_context():
        assert db.session.scalar(select(func.count(Order.id))) == 0
        assert db.session.get(Product, chair.id).stock == 5
    # The cart, address and payment are kept: choose again, review, place.
    choose_day(client)
    again = client.get("/checkout/review")
    assert again.status_code == 200 and "Pagesa" in again.text
    assert client.post("/checkout/place", data=place_form(again.text)).status_code == 303


def test_a_full_day_is_not_offered_and_a_stale_choice_is_asked_again(
        app, client, make_product, make_user, login):
    login(make_user())
    chair_at_review(app, client, make_product, capacity=1)
    first = date.fromisoformat(offered(client)[0])
    with app.app_context():
        db.session.add(DeliverySlot(area="area:prishtine", day=first, booked=1))
        db.session.commit()
    answer = client.get("/checkout/review")  # the chosen day filled up meanwhile
    assert answer.status_code == 303 and answer.headers["Location"] == "/checkout/day"
    assert first.isoformat() not in offered(client)


def test_a_cancelled_order_gives_its_place_back(app, client, admin, make_product):
    _chair, review = chair_at_review(app, client, make_product, capacity=1)
    client.post("/checkout/place", data=place_form(review.text))
    with app.app_context():
        order = db.session.scalars(select(Order)).one()
        day, number = order.delivery_day, order.number
        assert db.session.get(DeliverySlot, ("area:prishtine", day)).booked == 1
    from lesnamax.orders import status

    with app.app_context():
        status.set_status(db.session.get(Order, order.id), "cancelled")
        db.session.commit()
        assert db.session.get(DeliverySlot, ("area:prishtine", day)).booked == 0
    assert number


def test_buyers_race_for_the_last_place_of_a_day(app, make_product, make_user, engine_name):
    """Each buyer reviewed the same day with one place left: exactly one order gets it, the
    others are sent back to choose another day, nothing lost (their stock stays)."""
    buyers = 12 if engine_name == "postgresql" else 6
    set_schedule(app, "prishtine", "123456", 1, 1)
    sofa = make_product(name_sq="Divan", stock=50)
    ready = buyers_at_review(app, make_user, [sofa.id] * buyers)
    results = place_at_once(ready)
    statuses = sorted(r.status_code for r in results)
    assert statuses.count(303) == 1 and statuses.count(409) == buyers - 1
    assert all("nuk është më e lirë" in r.text for r in results if r.status_code == 409)
    with app.app_context():
        assert db.session.scalar(select(func.count(Order.id))) == 1
        assert db.session.get(Product, sofa.id).stock == 49
        [slot] = db.session.scalars(select(DeliverySlot)).all()
        assert slot.booked == 1
    # A loser chooses the next day and gets it.
    c, _form = next((c, f) for (c, f), r in zip(ready, results, strict=True)
                    if r.status_code == 409)
    choose_day(c)
    assert c.post("/checkout/place", data=place_form(c.get("/checkout/review").text)
                  ).status_code == 303


def test_pickup_offers_the_stores_days(app, client, make_product, make_user, login):
    from lesnamax.shopsettings import Store

    with app.test_request_context():
        from lesnamax import shopsettings

        shopsettings.seed(app)
        store = db.session.scalars(select(Store)).first()
        store.pickup_days = "6"
        db.session.commit()
    login(make_user())
    chair = make_product(stock=5)
    client.post("/cart/add", data={"product_id": chair.id})
    go_to_review(client, delivery="pickup")
    days = [date.fromisoformat(d) for d in offered(client)]
    assert days and all(d.isoweekday() == 6 for d in days)
    assert "Dita e marrjes" in client.get("/checkout/day").text


def test_the_daily_figures_window_is_ahead(app):
    # Today is never offered, even with no lead time.
    today = date.today()
    assert today not in deliverydays.candidates("123456", 0, today)
    assert all(d <= today + timedelta(days=deliverydays.HORIZON_DAYS + 40)
               for d in deliverydays.candidates("123456", 0, today))
