"""The LNB sandbox's seed: the oddities the L-flows must meet, and its match with the 24SO sandbox."""

from __future__ import annotations

from collections import Counter

from so24_sandbox.lenewblack import seed, statuses
from so24_sandbox.lenewblack.store import LnbStore
from so24_sandbox.so24.credentials import DEFAULT_IDENTITY
from so24_sandbox.so24.data import seed_dataset

SCALE = 40


def _store(scale: int = SCALE, seed_value: int = 24) -> LnbStore:
    store = LnbStore()
    seed.load(store, scale, seed_value)
    return store


def test_the_catalogue_has_skus_without_ean13_without_sku_and_without_either() -> None:
    skus = list(_store().skus.values())
    assert len(skus) == SCALE + 2
    assert any(s.ean13 is None and s.sku for s in skus)
    assert any(s.sku is None and s.ean13 for s in skus)
    uncoded = [s for s in skus if s.ean13 is None and s.sku is None]
    assert uncoded and {s.model for s in uncoded} == {seed.SAMPLE_MODEL}
    assert all(len(s.ean13) == 13 and s.ean13.isdigit() for s in skus if s.ean13)


def test_every_status_has_orders_and_some_orders_cannot_be_exported() -> None:
    store = _store()
    assert set(Counter(o.status for o in store.orders.values())) == set(statuses.ORDER_STATUSES)
    bad_retailers = {rid for rid, r in store.retailers.items() if r.reference in (None, seed.BAD_REFERENCE)}
    assert bad_retailers == {seed.NO_REFERENCE_RETAILER, seed.BAD_REFERENCE_RETAILER}
    confirmed = [o for o in store.orders.values() if o.status == statuses.CONFIRMED]
    assert any(o.retailer_id in bad_retailers for o in store.orders.values())
    with_sample = [o for o in store.orders.values() if any(store.skus[i.sku_id].model == seed.SAMPLE_MODEL for i in o.items)]
    assert with_sample and confirmed
    for order in store.orders.values():
        assert (order.confirmation_time is not None) == (order.status in statuses.CONFIRMED_OR_LATER)
        assert order.update_time >= order.create_time


def test_codes_are_the_24so_sandbox_products_and_references_its_customers() -> None:
    lnb = _store()
    so24 = seed_dataset(DEFAULT_IDENTITY, SCALE, 24)
    by_ean = {p["EAN1"]: p for p in so24.products.values() if p.get("EAN1")}
    by_number = {p["No"]: p for p in so24.products.values()}
    coded = [s for s in lnb.skus.values() if s.model != seed.SAMPLE_MODEL]
    assert all(s.ean13 in by_ean for s in coded if s.ean13)
    matched_numbers = [s for s in coded if s.sku in by_number]
    assert len(matched_numbers) >= len([s for s in coded if s.sku]) - 1  # 24SO renames one product on purpose
    for sku in coded:
        if sku.ean13 and sku.sku in by_number:
            assert by_ean[sku.ean13]["Id"] == by_number[sku.sku]["Id"]
    customers = {str(cid) for cid, c in so24.companies.items() if c["Type"] == "Business"}
    references = [r.reference for r in lnb.retailers.values() if r.reference not in (None, seed.BAD_REFERENCE)]
    assert references and set(references) <= customers


def test_the_seed_is_deterministic_and_scales() -> None:
    def shape(store: LnbStore) -> list:
        return [(o.reference, o.status, o.retailer_id, [(i.sku_id, i.quantity) for i in o.items]) for o in store.orders.values()]

    assert shape(_store()) == shape(_store())
    assert shape(_store(seed_value=25)) != shape(_store())
    big = _store(scale=200)
    assert len(big.skus) == 202 and len(big.orders) == 100 and len(big.retailers) == 40
