"""Checkout steps: address -> delivery -> day (and assembly) -> payment -> review -> place.
Each step guards itself."""

from __future__ import annotations

import re
import secrets

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from .. import money, shopsettings
from ..account.forms import LoginForm
from ..cart import pricing
from ..cart import services as carts
from ..cart.current import current_cart, remember_count, remember_municipality
from ..cart.pricing import PICKUP, STANDARD
from ..forms import cleaned
from ..i18n import current_code
from ..kosovo import municipality_name
from ..orders import services as orders
from ..orders import slots
from ..orders.models import AWAITING_PAYMENT, CARD, CASH
from ..privacy import services as privacy
from ..shoptime import shop_today
from ..text import whole_number
from ..web import visit
from . import days, forms, placing, precontract, state

bp = Blueprint("checkout", __name__, url_prefix="/checkout")
#: The steps whose page relies on the chosen day still holding.
AFTER_DAY = ("payment", "review")


def _priced_cart():
    """The cart and its priced lines, loaded once per request (the guard and the page share
    them). ``place`` drops them when placing failed, so the page shows the stock left."""
    if "priced_cart" not in g:
        cart = current_cart()
        g.priced_cart = cart, pricing.priced(carts.lines_of(cart), days.assembly(state.get()))
    return g.priced_cart


def _guard(step: str):
    """Redirect to the cart or to the first unfinished step; None when ``step`` may run."""
    if not current_user.is_authenticated:
        return redirect(url_for("checkout.start"), 303)
    cart, lines = _priced_cart()
    if not lines:
        flash(_("Your cart is empty."), "info")
        return redirect(url_for("cart.show"), 303)
    data = state.get()
    if data.get("delivery") == PICKUP and _pickup_store(data) is None:
        state.forget("delivery")  # the store was hidden since: choose again
    # Checked when a page is shown (placing books the day itself, and says so if it is gone).
    if ("day" in data and "delivery" in data and step in AFTER_DAY
            and request.method == "GET" and not days.holds(data, shop_today())):
        # Full, past, or of another address or store since: the day is asked again.
        state.forget("day")
        flash(_("The delivery day you chose is no longer available. Please choose another."),
              "info")
    if _instalment(data) is not None and "delivery" in data and _plan_gone(lines, data):
        # The plan is no longer offered for this cart (settings, fewer goods): choose again.
        state.forget("payment")
        flash(_("The instalment plan you chose is no longer offered for this order. Please "
                "choose how to pay again."), "warning")
    missing = state.first_missing()
    if state.STEPS.index(step) > state.STEPS.index(missing):
        return redirect(url_for(f"checkout.{missing}"), 303)
    return None


@bp.get("")
def start():
    if not current_user.is_authenticated:
        # Log in or register here; the cart waits in the session and merges at login.
        return render_template("checkout/login.html", form=LoginForm(),
                               next_url=url_for("checkout.start"))
    return redirect(url_for(f"checkout.{state.first_missing()}"), 303)


@bp.route("/address", methods=["GET", "POST"])
def address():
    if (stop := _guard("address")) is not None:
        return stop
    saved = state.get().get("address")
    form = forms.AddressForm(data=dict(saved, company=bool(saved.get("company_name")))) \
        if saved and request.method == "GET" else forms.AddressForm(obj=current_user)
    if form.validate_on_submit():
        values = cleaned(form)
        state.save("address", {k: values[k] for k in (
            "first_name", "last_name", "phone", "street", "municipality", "postal_code")}
            | form.company_values())
        # The product pages and the cart speak of delivery to this municipality from now on.
        remember_municipality(values["municipality"])
        return redirect(url_for("checkout.delivery"), 303)
    return _step("checkout/address.html", form, "address")


@bp.route("/delivery", methods=["GET", "POST"])
def delivery():
    if (stop := _guard("delivery")) is not None:
        return stop
    stores = shopsettings.current().active_stores
    saved = state.get()
    # The saved choice preselects the form on GET only: a POST must say what it wants. With
    # one store, it is the one.
    chosen = saved.get("store") or (stores[0].id if len(stores) == 1 else None)
    form = forms.DeliveryForm(data={"method": saved.get("delivery", STANDARD),
                                    "store": str(chosen or "")}
                              if request.method == "GET" else None, stores=stores)
    if not stores:
        form.method.choices = [c for c in form.method.choices if c.value != PICKUP]
    if form.validate_on_submit():
        state.save("store", form.store.clean if form.method.data == PICKUP else None)
        state.save("delivery", form.method.data)
        return redirect(url_for("checkout.day"), 303)
    _cart, lines = _priced_cart()
    subtotal = pricing.totals(lines).subtotal_cents
    where = state.get()["address"]["municipality"]
    fees = {STANDARD: pricing.delivery_fee(STANDARD, where, subtotal),
            PICKUP: pricing.delivery_fee(PICKUP, where, subtotal)}
    shop = shopsettings.current()
    return _step("checkout/delivery.html", form, "delivery", fees=fees,
                 municipality=municipality_name(where), rule=shop.rule_for(where),
                 free_from=shop.free_delivery_from_cents, stores=stores,
                 days=pricing.delivery_rules().days_for(where))


def _day_form(lines, options):
    offered = [line for line in lines if line.available and line.assembly_fee_cents is not None]
    saved = state.get().get("day") or {}
    # The earliest free day is preselected (a GET only: a POST must say what it wants).
    first = options[0].day.isoformat() if options else ""
    data = {"day": saved.get("day") or first,
            "assembly": [str(n) for n in saved.get("assembly", ())]}
    return forms.DayForm(data=data if request.method == "GET" else None, options=options,
                         lines=offered, lang=current_code())


@bp.route("/day", methods=["GET", "POST"])
def day():
    if (stop := _guard("day")) is not None:
        return stop
    return _day_step()


def _day_step(status: int | None = None, problem: str | None = None):
    data = state.get()
    rule = days.plan(data)
    options = slots.options(rule, shop_today()) if rule is not None else []
    _cart, lines = _priced_cart()
    form = _day_form(lines, options)
    if status is None and form.validate_on_submit():
        state.save("day", {"day": form.day.clean.isoformat(), "area": rule.area,
                           "assembly": sorted(form.assembly.clean)})
        g.pop("priced_cart", None)
        return redirect(url_for("checkout.payment"), 303)
    return _step("checkout/day.html", form, "day", options=options, problem=problem,
                 pickup_store=_pickup_store(data), status=status,
                 data_municipality=data["address"]["municipality"],
                 places_left=forms.places_left, assembly_price=forms.assembly_price,
                 **_day_summary(lines, data, form))


def _day_summary(lines, data, form) -> dict:
    """The totals with the assembly ticked on the form (or saved), for the step's summary."""
    ticked = {line.product_id for line in form.lines if str(line.product_id) in
              (form.assembly.data or ())}
    for line in lines:
        line.assembly = line.product_id in ticked and line.assembly_fee_cents is not None
    where = data["address"]["municipality"]
    return {"lines": lines, "totals": pricing.totals(lines, data["delivery"], where)}


@bp.post("/day/summary")
def day_summary():
    """htmx: the summary's totals as the customer ticks assembly (nothing is saved)."""
    if (stop := _guard("day")) is not None:
        return stop
    data = state.get()
    rule = days.plan(data)
    options = slots.options(rule, shop_today()) if rule is not None else []
    _cart, lines = _priced_cart()
    form = _day_form(lines, options)
    return render_template("checkout/_day_summary.html", **_day_summary(lines, data, form))


def _instalment(data: dict) -> tuple[str, int] | None:
    """The (bank, count) chosen at the payment step; None when paid in full or in cash."""
    chosen = data.get("instalment")
    if data.get("payment") != CARD or not chosen:
        return None
    return chosen[0], chosen[1]


def _plan_gone(lines, data: dict) -> bool:
    where = data.get("address", {}).get("municipality")
    return pricing.totals(lines, data["delivery"], where, _instalment(data)).instalment is None


@bp.route("/payment", methods=["GET", "POST"])
def payment():
    if (stop := _guard("payment")) is not None:
        return stop
    _cart, lines = _priced_cart()
    data = state.get()
    figures = pricing.totals(lines, data["delivery"], data["address"]["municipality"])
    offers = pricing.instalment_offers(figures)
    chosen = _instalment(data)
    form = forms.PaymentForm(data={"method": data.get("payment", CASH),
                                   "plan": f"{chosen[0]}:{chosen[1]}" if chosen else ""}
                             if request.method == "GET" else None, offers=offers)
    if form.validate_on_submit():
        plan = form.plan.chosen
        state.save("instalment", [plan.bank, plan.count] if plan else None)
        state.save("payment", form.method.data)
        return redirect(url_for("checkout.review"), 303)
    return _step("checkout/payment.html", form, "payment", offers=form.offers,
                 plan_notes=_plan_notes(figures, offers))


def _plan_notes(figures, offers) -> dict[str, str]:
    """What each payment choice costs, next to its radio button."""
    notes = {"": money.format_cents(figures.total_cents)}
    for offer in offers:
        note = _("%(num)d × %(amount)s, in all %(total)s", num=offer.count,
                 amount=money.format_cents(offer.per_instalment_cents),
                 total=money.format_cents(offer.total_cents))
        if offer.fee_cents:
            note += " · " + _("instalment fee %(fee)s", fee=money.format_cents(offer.fee_cents))
        notes[offer.value] = note
    return notes


@bp.get("/review")
def review():
    if (stop := _guard("review")) is not None:
        return stop
    form = forms.ReviewForm(data={"idempotency_key": secrets.token_hex(16)})
    return _review(form, 200)  # it adds the fingerprint of what it shows


def _review(form, status: int, problem: str | None = None):
    cart, lines = _priced_cart()
    data = state.get()
    totals = pricing.totals(lines, data["delivery"], data["address"]["municipality"],
                            _instalment(data))
    # The form carries what this page shows, so placing can tell whether anything changed.
    form.fingerprint.data, form.cart_id.data = _fingerprint(lines), str(cart.id)
    today = shop_today()
    information = precontract.information(current_user, lines, totals, today)
    form.terms_version.data = information["terms_version"] or ""
    return render_template(
        "checkout/review.html", form=form, lines=lines, totals=totals, data=data,
        pickup_store=_pickup_store(data), delivery_day=days.chosen(data),
        needs_acceptance=privacy.needs_acceptance(current_user, today),
        problem=problem, step="review", steps=state.STEPS, **information,
    ), status


def _fingerprint(lines) -> str:
    data = state.get()
    return pricing.fingerprint(lines, data["delivery"], data["address"]["municipality"],
                               data["payment"], store=data.get("store"), day=days.chosen(data),
                               instalment=_instalment(data))


def _pickup_store(data: dict):
    """The active store a pickup is collected from; None if not a pickup or hidden since."""
    if data.get("delivery") != PICKUP:
        return None
    return shopsettings.current().active_store(data.get("store"))


@bp.post("/place")
def place():
    if not current_user.is_authenticated:
        return redirect(url_for("checkout.start"), 303)
    form = forms.ReviewForm()
    cart, lines = _priced_cart()
    key = form.idempotency_key.data or ""
    result = placing.place(placing.Ask(
        user=current_user._get_current_object(), visit=visit(),
        key=key if re.fullmatch(forms.KEY_PATTERN, key) else None,
        reviewed_cart_id=whole_number(form.cart_id.data, 9),
        cart_id=cart.id if lines else None,
        delivery=_delivery() if lines and state.first_missing() == "review" else None,
        seen=form.fingerprint.data or "", valid=form.validate_on_submit(),
        accepted_policy=bool(form.accept_policy.data),
        accepted_terms=bool(form.accept_terms.data),
        terms_seen=whole_number(form.terms_version.data, 9),
        language=current_code(), today=shop_today()))
    if result.outcome == placing.PLACED:
        state.clear()
        remember_count([])
    if result.order is not None:
        return _after_placing(result.order, result.another_window)
    if result.outcome in (placing.EMPTY, placing.UNFINISHED):
        g.pop("priced_cart", None)  # a twin may have emptied the cart since it was read
        return _guard("review") or redirect(url_for("cart.show"), 303)
    if result.outcome == placing.EXPIRED:
        return _review(form, 400, _("The form expired. Please check your order and try again."))
    if result.outcome == placing.NEEDS_TERMS:
        message = _("Please accept the terms of sale to place the order.")
        form.accept_terms.errors = [message]
        if not form.accept_policy.data and privacy.needs_acceptance(current_user, shop_today()):
            form.accept_policy.errors = [
                _("Please accept the privacy policy in force to place the order.")]
        return _review(form, 422, message)
    if result.outcome == placing.TERMS_CHANGED:
        message = _("New terms of sale came into force while you were looking at your order, "
                    "so nothing was ordered. Please read them and accept them to place the "
                    "order.")
        form.accept_terms.data = False  # the tick accepted the version before
        form.accept_terms.errors = [message]
        return _review(form, 409, message)
    if result.outcome == placing.NEEDS_POLICY:
        message = _("Please accept the privacy policy in force to place the order.")
        form.accept_policy.errors = [message]
        return _review(form, 422, message)
    if result.outcome == placing.DAY_TAKEN:
        # Someone booked the day's last place first: the customer chooses again, with the
        # cart, address and payment kept.
        state.forget("day")
        g.pop("priced_cart", None)
        return _day_step(409, _("The delivery day you chose is no longer available (another "
                                "order took its last place), so nothing was ordered. Please "
                                "choose another day."))
    if result.outcome == placing.OUT_OF_STOCK:
        g.pop("priced_cart", None)  # the page shows the stock left
        short = result.short
        name = short.name_en if current_code() == "en" else short.name_sq
        return _review(form, 409, _out_of_stock(short.available, name))
    return _changed(form)


def _out_of_stock(available: int, name: str) -> str:
    return ngettext("Only %(num)d of “%(name)s” is left. Change the quantity in your cart; "
                    "nothing was ordered.",
                    "Only %(num)d of “%(name)s” are left. Change the quantity in your cart; "
                    "nothing was ordered.", available, name=name)


def _changed(form):
    """Show the review again with today's figures, saying what changed; nothing was ordered."""
    g.pop("priced_cart", None)
    if (stop := _guard("review")) is not None:
        return stop
    _cart, lines = _priced_cart()
    lang = current_code()
    problem = _("Prices, stock or the delivery cost changed while you were looking at your "
                "order, so nothing was ordered. Please check the new figures below and place "
                "the order again.")
    for line in lines:
        if not line.available and line.stock > 0:  # taken off sale
            problem = _("“%(name)s” is no longer sold. Remove it from your cart; nothing was "
                        "ordered.", name=line.name(lang))
            break
        if line.short:
            problem = _out_of_stock(line.stock, line.name(lang))
            break
    return _review(form, 409, problem)


def _after_placing(order, another_window: bool = False):
    """Card orders waiting for payment go to the bank (a pending attempt is reused, so a
    second click cannot charge twice); everything else to the order page."""
    if another_window:
        flash(_("This cart was already ordered from another window; this is that order."),
              "info")
    if order.payment_method == CARD and order.status == AWAITING_PAYMENT:
        return redirect(url_for("payments.start", number=order.number), 303)
    return redirect(url_for("orders.show", number=order.number), 303)


def _delivery() -> orders.Delivery:
    data = state.get()
    address = data["address"]
    chosen = _instalment(data)
    return orders.Delivery(
        first_name=address["first_name"], last_name=address["last_name"],
        email=current_user.email, phone=address["phone"], street=address["street"],
        municipality=address["municipality"], postal_code=address.get("postal_code") or "",
        method=data["delivery"], payment=data["payment"],
        company_name=address.get("company_name", ""), company_nrb=address.get("company_nrb", ""),
        company_address=address.get("company_address", ""),
        store_id=data.get("store") if data["delivery"] == PICKUP else None,
        day=days.chosen(data), assembly=days.assembly(data),
        instalments=chosen[1] if chosen else None,
        instalment_bank=chosen[0] if chosen else "",
    )


def _step(template: str, form, step: str, status: int | None = None, **context):
    status = status or (422 if form.is_submitted() else 200)
    return render_template(template, form=form, step=step, steps=state.STEPS, **context), status
