"""The brand account the sandbox starts from: a catalogue, retailers and orders in every status.

Deterministic from (scale, seed) and a FIXED base date, like the 24SO sandbox's data, so a filter
over seeded orders answers the same every day. The data lines up with the 24SO sandbox's primary
company on purpose, as a brand's LNB account lines up with its ERP:

- SKU number i (0-based) is 24SO product 1001 + i: `sku` = its product number `P-001001`, `ean13`
  = its EAN1 (the same GTIN formula). Six SKUs a model (two colours x S/M/L), `scale` SKUs in all.
- Retailer references are 24SO customer ids (`10002`, ...; suppliers and consumers skipped).

Oddities the L-flows must cope with sit at fixed, documented places:

- SKU 2 has no EAN13 (as 24SO product 1003 has no EAN1), SKU 3 no SKU code, and every 17th from
  9 no EAN13, every 19th from 11 no SKU code;
- model `SAMPLE-01` has two SKUs with neither code (a sample the brand never coded);
- retailer id 4 has no reference (created by a sales rep in the app) and id 7 the reference
  `NY-KUNDE`, which is no customer number;
- orders go through all seven statuses in turn (order k has status k mod 7), retailers in turn
  (so some orders are from the two retailers above), and every order k with k mod 10 == 4 has a
  line for the uncoded sample SKU.
"""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta

from so24_sandbox.lenewblack import statuses
from so24_sandbox.lenewblack.catalog import Product, Sku, Variant
from so24_sandbox.lenewblack.orders_model import Order, OrderItem
from so24_sandbox.lenewblack.retailers import Retailer
from so24_sandbox.lenewblack.store import LnbStore

BASE_TIME = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
FIRST_PRODUCT_ID = 1001
FIRST_CUSTOMER_ID = 10001
SKUS_PER_MODEL = 6
SIZES = ("S", "M", "L")
COLOURS = (("BLK", "Black", "Sort"), ("NVY", "Navy", "Marine"), ("OLV", "Olive", "Oliven"), ("RED", "Red", "Rød"))
NOUNS = ("Ullgenser", "Regnjakke", "Fleecejakke", "Skallbukse", "Vinterjakke", "Lue", "Skjerf", "Votter")
ADJECTIVES = ("Lett", "Robust", "Klassisk", "Arktisk", "Urban", "Fjell", "Kyst")
SAMPLE_MODEL = "SAMPLE-01"
NO_REFERENCE_RETAILER = 4
BAD_REFERENCE_RETAILER = 7
BAD_REFERENCE = "NY-KUNDE"
FIRST_NAMES = ("Ola", "Kari", "Ingrid", "Lars", "Sofie", "Nora", "Erik", "Ida")
LAST_NAMES = ("Hansen", "Olsen", "Larsen", "Berg", "Haugen", "Dahl", "Lie", "Strand")
CITIES = (("0150", "OSLO"), ("5003", "BERGEN"), ("7010", "TRONDHEIM"), ("4006", "STAVANGER"), ("9008", "TROMSØ"))
# 24SO sandbox company slots (i mod 20) that are suppliers or consumers, not retailers.
NOT_RETAILER_SLOTS = frozenset({0, 7, 14, 3, 11, 17})


def ean13(number: int) -> str:
    """GTIN-13 with a check digit over "70" + ten digits (the 24SO sandbox's EAN1 formula)."""
    body = f"70{number % 10**10:010d}"
    total = sum(int(c) * (3 if i % 2 else 1) for i, c in enumerate(body))
    return body + str((10 - total % 10) % 10)


def product_ean13(product_id: int) -> str:
    return ean13(product_id * 7919)


def _has_ean13(i: int) -> bool:
    return i != 2 and i % 17 != 9


def _has_sku(i: int) -> bool:
    return i != 3 and i % 19 != 11


def load(store: LnbStore, scale: int, seed: int) -> None:
    rng = random.Random(f"lnb:{seed}")
    _catalogue(store, rng, max(1, scale))
    _retailers(store, max(1, scale))
    _orders(store, rng, max(21, scale // 2))


def _catalogue(store: LnbStore, rng: random.Random, n_skus: int) -> None:
    for m in range(math.ceil(n_skus / SKUS_PER_MODEL)):
        model = f"AW26-{m + 1:03d}"
        product = Product(
            model=model,
            name=f"{ADJECTIVES[m % len(ADJECTIVES)]} {NOUNS[m % len(NOUNS)]}",
            collection_code="AW26",
            collection_name="Høst/Vinter 2026",
            category_name="Klær",
            sizing_name="Letters",
        )
        for c in range(SKUS_PER_MODEL // len(SIZES)):
            code, name, colour = COLOURS[(m + c) % len(COLOURS)]
            variant = Variant(code, name, colour, f"{model}-{code}")
            for s, size in enumerate(SIZES):
                i = m * SKUS_PER_MODEL + c * len(SIZES) + s
                if i >= n_skus:
                    break
                pid = FIRST_PRODUCT_ID + i
                price = float(150 + (i * 37) % 850)
                variant.skus.append(Sku(
                    id=i + 1, model=model, fabric_code=code, size_name=size,
                    ean13=product_ean13(pid) if _has_ean13(i) else None,
                    sku=f"P-{pid:06d}" if _has_sku(i) else None,
                    unit_price=price, recommended_retail_price=round(price * 2.2, 2),
                    in_stock=rng.randrange(0, 60), in_stock_update_time=BASE_TIME,
                ))  # fmt: skip
            if variant.skus:
                product.variants.append(variant)
        store.add_product(product)
    sample = Product(SAMPLE_MODEL, "Prøvekolleksjon jakke", "AW26", "Høst/Vinter 2026", "Klær", "Letters")
    variant = Variant("SMP", "Sample", "Grå", f"{SAMPLE_MODEL}-SMP")
    for s, size in enumerate(("M", "L")):
        variant.skus.append(Sku(id=n_skus + 1 + s, model=SAMPLE_MODEL, fabric_code="SMP", size_name=size,
                                ean13=None, sku=None, unit_price=500.0, recommended_retail_price=1100.0,
                                in_stock_update_time=BASE_TIME))  # fmt: skip
    sample.variants.append(variant)
    store.add_product(sample)
    store.counters["skus"] = n_skus + 2


def _retailers(store: LnbStore, scale: int) -> None:
    count = max(8, scale // 5)
    customer_ids = [FIRST_CUSTOMER_ID + i for i in range(scale) if i % 20 not in NOT_RETAILER_SLOTS]
    for rid in range(1, count + 1):
        if rid == NO_REFERENCE_RETAILER:
            reference: str | None = None
        elif rid == BAD_REFERENCE_RETAILER:
            reference = BAD_REFERENCE
        elif customer_ids:
            reference = str(customer_ids.pop(0))
        else:
            break
        zipcode, city = CITIES[rid % len(CITIES)]
        store.retailers[rid] = Retailer(
            id=rid, reference=reference, name=f"Butikk {rid} AS", email=f"innkjop@butikk{rid}.example.no",
            country="NO", vat_number=f"NO9{rid:08d}MVA", address_1=f"Storgata {rid}", zipcode=zipcode,
            city=city, tel=f"+47 22{rid:06d}",
        )  # fmt: skip
    store.counters["retailers"] = max(store.retailers)


def _orders(store: LnbStore, rng: random.Random, count: int) -> None:
    retailer_ids = sorted(store.retailers)
    coded = [s for s in store.skus.values() if s.ean13 and s.sku]
    uncoded = [s for s in store.skus.values() if s.model == SAMPLE_MODEL]
    for k in range(count):
        created = BASE_TIME - timedelta(hours=3 * (count - k))
        updated = created + timedelta(minutes=rng.randrange(0, 48 * 60))
        status = statuses.ORDER_STATUSES[k % len(statuses.ORDER_STATUSES)]
        confirmed = created + timedelta(minutes=30) if status in statuses.CONFIRMED_OR_LATER else None
        lines = [coded[rng.randrange(len(coded))] for _ in range(1 + rng.randrange(3))]
        if k % 10 == 4:
            lines.append(uncoded[0])
        items = []
        for sku in {s.id: s for s in lines}.values():
            items.append(OrderItem(sku.id, 1 + rng.randrange(12), sku.unit_price, (0.0, 0.0, 0.1)[k % 3],
                                   created, created, confirmed))  # fmt: skip
        buyer = (FIRST_NAMES[k % 8], LAST_NAMES[(k * 3) % 8], f"buyer{k}@butikk.example.no")
        seller = (FIRST_NAMES[(k + 4) % 8], LAST_NAMES[(k + 1) % 8], "sales@brand.example.no")
        seq = k + 1
        order = Order(
            seq=seq, reference=f"LNB-{seq:06d}", retailer_id=retailer_ids[k % len(retailer_ids)], status=status,
            create_time=created, update_time=max(updated, confirmed or updated), items=items,
            confirmation_time=confirmed,
            cancellation_time=updated if status == statuses.CANCELED else None,
            purchase_order_reference=f"PO-{2600 + k}" if k % 3 else None,
            comment="Levering før sesongstart" if k % 5 == 0 else None,
            delivery_start_on=(created + timedelta(days=30)).date(),
            delivery_end_on=(created + timedelta(days=60)).date(),
            buyer=buyer, sales_person=seller,
        )  # fmt: skip
        store.orders[order.reference] = order
    store.counters["orders"] = count
