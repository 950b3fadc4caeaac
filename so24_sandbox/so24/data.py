"""Deterministic seed data for one identity, at any scale, fast enough for 100k products and orders.

Everything derives from (seed, identity): the same command line gives the same ids, names and
dates on every machine. Dates are spread over the year before a FIXED base date (not the wall
clock), so a "changed after" query over seeded data answers the same today and next year; only
records saved during a run carry the real current time.

Speed and memory at scale 100000 (about 100k products, companies and orders, 300k order rows):
values come from small pre-built pools (Decimals, streets, names) so records share objects, an
order shares its customer's address dicts and a delivery-method dict, and each record is one flat
dict. Deliberate oddities the flows must cope with sit at fixed positions: a product number
longer than 25 characters, a product without EAN1, an expired product, a name with '&', a company
without phone or e-mail, an order whose customer has no e-mail.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal

from so24_sandbox.so24.credentials import IdentityInfo
from so24_sandbox.so24.dataset import DataSet

BASE_DATE = datetime(2026, 6, 1, 8, 0, 0)
YEAR_SECONDS = 365 * 24 * 3600

_NOUNS = (
    "Ullgenser", "Regnjakke", "Turstøvel", "Sovepose", "Hodelykt", "Termokopp", "Ryggsekk", "Telt",
    "Votter", "Lue", "Skjerf", "Vinterjakke", "Fleecejakke", "Gåstaver", "Padleåre", "Primus",
    "Kompass", "Liggeunderlag", "Vanndunk", "Skallbukse", "Ullsokker", "Gamasjer", "Bålpanne", "Hengekøye",
)  # fmt: skip
_ADJECTIVES = ("Lett", "Robust", "Klassisk", "Pro", "Eco", "Arktisk", "Urban", "Kompakt", "Fjell", "Kyst")
_COLOURS = ("sort", "blå", "rød", "grønn", "grå", "hvit", "oliven", "oransje")
_CATEGORY_NAMES = (
    "Klær", "Sko", "Utstyr", "Tilbehør", "Camping", "Kjøkken", "Belysning", "Sekker", "Vintersport",
    "Vannsport", "Barn", "Reservedeler",
)  # fmt: skip
_COMPANY_STEMS = ("Nord", "Fjell", "Vik", "Berg", "Sol", "Hav", "Skog", "Elv", "Stein", "Lys", "Fjord", "Myr")
_COMPANY_TAILS = ("bygg", "tek", "handel", "service", "data", "mat", "sport", "design", "transport", "energi")
_FIRST_NAMES = (
    "Ola", "Kari", "Per", "Ingrid", "Lars", "Sofie", "Anders", "Nora", "Erik", "Emma", "Jonas", "Ida",
    "Magnus", "Sara", "Henrik", "Maja", "Sindre", "Åse", "Øystein", "Bjørg",
)  # fmt: skip
_LAST_NAMES = (
    "Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Kristiansen", "Jensen",
    "Karlsen", "Berg", "Haugen", "Hagen", "Johannessen", "Lie", "Dahl", "Solberg", "Strand", "Bakken", "Ødegård",
)  # fmt: skip
_STREETS = {
    "NO": ("Storgata", "Kirkeveien", "Fjordveien", "Bryggen", "Havnegata", "Skolegata", "Parkveien",
           "Industriveien", "Strandgata", "Torggata", "Løkkeveien", "Sjøgata"),
    "SE": ("Storgatan", "Kyrkogatan", "Drottninggatan", "Hamngatan", "Skolgatan", "Parkvägen",
           "Industrivägen", "Strandvägen"),
}  # fmt: skip
_PLACES = {
    "NO": (("0150", "OSLO"), ("5003", "BERGEN"), ("7010", "TRONDHEIM"), ("4006", "STAVANGER"),
           ("9008", "TROMSØ"), ("3015", "DRAMMEN"), ("1606", "FREDRIKSTAD"), ("4610", "KRISTIANSAND"),
           ("2317", "HAMAR"), ("6002", "ÅLESUND")),
    "SE": (("11122", "STOCKHOLM"), ("41103", "GÖTEBORG"), ("21115", "MALMÖ"), ("75310", "UPPSALA"),
           ("58223", "LINKÖPING")),
}  # fmt: skip
_DELIVERY_METHODS = ((1, "Posten Pakke i postkassen"), (2, "Bring Bedriftspakke"), (3, "PostNord MyPack"),
                     (4, "Hentes på lager"), (5, "DHL Express"))  # fmt: skip
# (status, weight): the pipeline steps the flows act on (Confirmed, Production, Pack) are common.
_ORDER_STATES = (
    ("Confirmed", 20), ("Invoiced", 28), ("Offer", 8), ("Production", 7), ("Pack", 7),
    ("OrderState_Sent", 10), ("Web", 8), ("Draft", 5), ("ForInvoicing", 5), ("Return", 2),
)  # fmt: skip
_WORK_TYPES = (
    ("Montasje", "Montering hos kunde", True, "950", True), ("Service", "Service og reparasjon", True, "1050", True),
    ("Reise", "Reisetid", True, "650", True), ("Prosjektledelse", "Ledelse og oppfølging", True, "1250", True),
    ("Intern tid", "Interne møter og administrasjon", False, "0", True),
    ("Opplæring", "Kurs (utgått)", False, "0", False),
)  # fmt: skip
_SALARY_TYPES = ("Timelønn", "Overtid 50 %", "Overtid 100 %", "Reisetillegg")
_TITLES = ("Innkjøper", "Daglig leder", "Lagersjef", "Økonomiansvarlig", "Prosjektleder")

_D = Decimal
_ZERO = _D("0")
_VAT = _D("25")
_QUANTITIES = tuple(_D(q) for q in range(1, 11)) + (_D("2.5"), _D("0.5"), _D("12"), _D("24"))
_DISCOUNTS = (_ZERO,) * 6 + (_D("5"), _D("10"), _D("15"))
_STOCKS = tuple(_D(s) for s in range(0, 501))
_WEIGHTS = tuple(_D(f"{(i * 37) % 9000 / 1000 + 0.05:.3f}") for i in range(200))
_PRICES = tuple(
    (_D(f"{49 + (i * 97) % 4950}.{('00', '50', '90')[i % 3]}"), _D(f"{(49 + (i * 97) % 4950) * 0.55:.2f}"))
    for i in range(600)
)
_CENT = _D("0.01")


def _dates(rng: random.Random, count: int, base: datetime) -> list[datetime]:
    """`count` whole-second datetimes within the year before `base`."""
    rand = rng.randrange
    delta = timedelta
    return [base - delta(seconds=rand(YEAR_SECONDS)) for _ in range(count)]


def _ean13(number: int) -> str:
    body = f"70{number % 10**10:010d}"
    total = sum(int(c) * (3 if i % 2 else 1) for i, c in enumerate(body))
    return body + str((10 - total % 10) % 10)


def _org_number(country: str, n: int) -> str:
    if country == "SE":
        return f"556{n % 10**7:07d}"
    weights = (3, 2, 7, 6, 5, 4, 3, 2)
    while True:
        body = f"9{n % 10**7:07d}"
        check = 11 - sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11
        if check == 11:
            return body + "0"
        if check != 10:
            return body + str(check)
        n += 1


def seed_dataset(identity: IdentityInfo, scale: int, seed: int) -> DataSet:
    """The data set of `identity`; the second identity gets a tenth of the scale and its own ids."""
    rng = random.Random(f"{seed}:{identity.id}")
    primary = identity.id_offset == 0
    n = max(1, scale) if primary else max(10, scale // 10)
    off = identity.id_offset
    ds = DataSet(identity)
    ds.delivery_methods = {i + off: {"Id": i + off, "Description": d} for i, d in _DELIVERY_METHODS}
    _seed_catalogue(ds, rng, n, off)
    _seed_companies(ds, rng, n, off)
    _seed_people_and_time(ds, rng, n, off, employees=10 if primary else 4)
    _seed_orders(ds, rng, n, off)
    return ds


def _seed_catalogue(ds: DataSet, rng: random.Random, n: int, off: int) -> None:
    base = BASE_DATE
    n_categories = max(10, n // 20)
    cat_dates = _dates(rng, n_categories, base)
    for k in range(n_categories):
        cid = off + 1 + k
        name = _CATEGORY_NAMES[k % len(_CATEGORY_NAMES)]
        if k >= len(_CATEGORY_NAMES):
            name = f"{name} {k // len(_CATEGORY_NAMES) + 1}"
        parent = off + 1 + (k % 4) if k >= 8 and k % 3 == 0 else None
        ds.categories[cid] = {"Id": cid, "Name": name, "No": f"K{k + 1:03d}", "ParentId": parent,
                              "_changed": cat_dates[k]}  # fmt: skip
    cat_ids = list(ds.categories)
    dates = _dates(rng, n, base)
    rand = rng.getrandbits
    n_nouns, n_adj, n_col, n_prices = len(_NOUNS), len(_ADJECTIVES), len(_COLOURS), len(_PRICES)
    products = ds.products
    for i in range(n):
        pid = off + 1001 + i
        r = rand(48)
        noun = _NOUNS[r % n_nouns]
        name = f"{_ADJECTIVES[(r >> 5) % n_adj]} {noun} {_COLOURS[(r >> 9) % n_col]}"
        price, in_price = _PRICES[(r >> 12) % n_prices]
        products[pid] = {
            "Id": pid,
            "Name": name,
            "TaxRate": _VAT,
            "Stock": _STOCKS[(r >> 22) % 501] if (r >> 31) % 10 else _ZERO,
            "StatusId": 1,
            "CategoryId": cat_ids[(r >> 34) % len(cat_ids)],
            "InPrice": in_price,
            "Description": f"{noun} fra Nordlys-kolleksjonen",
            "EAN1": _ean13(pid * 7919 + off),
            "Price": price,
            "No": f"P-{pid:06d}",
            "DateChanged": dates[i],
            "Weight": _WEIGHTS[(r >> 40) % 200],
            "StockControlled": True,
        }
    first = off + 1001
    odd = [first + k for k in range(1, 5) if first + k in products]
    if len(odd) == 4:
        products[odd[0]]["No"] = "NORDLYS-SPESIALUTGAVE-2026-LANG"  # longer than Rackbeat's 25 characters
        del products[odd[1]]["EAN1"]  # no EAN13: must be reported, not exported
        products[odd[2]]["StatusId"] = 0  # expired
        products[odd[3]]["Name"] = "Kaffe & Te <gavesett>"  # needs XML escaping
    ds.counters["products"] = max(products, default=first - 1)
    ds.counters["categories"] = max(ds.categories)


def _address(rng: random.Random, country: str, name: str | None = None) -> dict:
    street = _STREETS[country][rng.randrange(len(_STREETS[country]))]
    postal_code, city = _PLACES[country][rng.randrange(len(_PLACES[country]))]
    out = {"Street": f"{street} {rng.randrange(1, 120)}", "PostalCode": postal_code, "PostalArea": city,
           "City": city, "Country": country}  # fmt: skip
    if name:
        out["Name"] = name
    return out


def _seed_companies(ds: DataSet, rng: random.Random, n: int, off: int) -> None:
    country = ds.identity.country
    prefix = "47" if country == "NO" else "46"
    mail_tld = "no" if country == "NO" else "se"
    suffix = " AS" if country == "NO" else " AB"
    dates = _dates(rng, n, BASE_DATE)
    currencies = ("LOCAL",) * 6 + (ds.identity.currency,) * 2 + ("EUR", "SEK" if country == "NO" else "NOK")
    for i in range(n):
        cid = off + 10001 + i
        slot = i % 20
        kind = "Supplier" if slot in (0, 7, 14) else ("Consumer" if slot in (3, 11, 17) else "Business")
        r = rng.getrandbits(40)
        if kind == "Consumer":
            first, last = _FIRST_NAMES[r % 20], _LAST_NAMES[(r >> 5) % 20]
            name, slug = f"{first} {last}", f"{first}.{last}{i}".lower()
        else:
            stem, tail = _COMPANY_STEMS[r % 12], _COMPANY_TAILS[(r >> 5) % 10]
            name, slug = f"{stem}{tail} {i + 1}{suffix}", f"{stem}{tail}{i + 1}".lower()
        slug = slug.replace("æ", "ae").replace("ø", "o").replace("å", "a").replace("ö", "o")
        post = _address(rng, country)
        delivery = post if (r >> 10) % 3 else _address(rng, country, name)
        company = {
            "Id": cid,
            "Name": last if kind == "Consumer" else name,
            "Addresses": {"Post": post, "Delivery": delivery, "Invoice": post},
            "Country": country,
            "InvoiceLanguage": "EN" if (r >> 14) % 10 == 0 else country,
            "Type": kind,
            "DateCreated": dates[i] - timedelta(days=(r >> 18) % 400),
            "DateChanged": dates[i],
            "CurrencyId": currencies[(r >> 27) % len(currencies)],
            "PaymentTime": 14 if (r >> 31) % 2 else 30,
            "_active": (r >> 32) % 33 != 0,
        }
        if kind == "Consumer":
            company["FirstName"] = first
        else:
            company["OrganizationNumber"] = _org_number(country, cid * 31 + off)
        if i % 50 != 5:  # a few companies have neither phone nor e-mail (flows fall back or report)
            company["PhoneNumbers"] = {
                "Work": {"Value": f"+{prefix} {22000000 + (cid * 7) % 9999999}"},
                "Mobile": {"Value": f"+{prefix} {90000000 + (cid * 13) % 9999999}"},
            }
            company["EmailAddresses"] = {
                "Invoice": {"Value": f"faktura@{slug}.example.{mail_tld}"},
                "Work": {"Value": f"post@{slug}.example.{mail_tld}"},
            }
        if (r >> 38) % 4 == 0:
            company["ExternalId"] = f"EXT-{cid}"
        ds.companies[cid] = company
    ds.counters["companies"] = max(ds.companies)


def _seed_people_and_time(ds: DataSet, rng: random.Random, n: int, off: int, employees: int) -> None:
    country = ds.identity.country
    mail_tld = "no" if country == "NO" else "se"
    base = BASE_DATE
    for k in range(employees):
        pid = off + 5001 + k
        first, last = _FIRST_NAMES[(k * 7) % 20], _LAST_NAMES[(k * 3) % 20]
        ds.persons[pid] = {
            "Id": pid,
            "FirstName": first,
            "LastName": last,
            "EmployeeNumber": k + 1,
            "EmployeeId": off + 101 + k,
            "EmailAddresses": [
                {"Type": "Primary", "Value": f"{first}.{last}@nordlys.example.{mail_tld}".lower()}
            ],
            "PhoneNumbers": [{"Type": "Mobile", "Value": f"+47 4{k:07d}"}],
            "DateRegistered": base - timedelta(days=400 + 30 * k),
            "DateChanged": base - timedelta(days=3 * k, hours=k),
            "Country": country,
            "WorkPosition": ("Montør", "Servicetekniker", "Prosjektleder", "Lagermedarbeider")[k % 4],
            "Gender": "Female" if k % 2 else "Male",
            "_employee": True,
        }
    employee_ids = list(ds.persons)
    ds.user_contact_id = employee_ids[0]
    business = [c for c in ds.companies.values() if c["Type"] == "Business"]
    n_contacts = max(10, n // 4)
    dates = _dates(rng, n_contacts, base)
    for k in range(n_contacts):
        pid = off + 200001 + k
        company = business[rng.randrange(len(business))] if business else None
        first, last = _FIRST_NAMES[rng.randrange(20)], _LAST_NAMES[rng.randrange(20)]
        email = f"{first}.{last}{k}@kunde.example.{mail_tld}".lower()
        person = {"Id": pid, "FirstName": first, "LastName": last, "DateChanged": dates[k],
                  "DateRegistered": dates[k] - timedelta(days=k % 300),
                  "EmailAddresses": [{"Type": "Primary", "Value": email}], "_employee": False}  # fmt: skip
        if company is not None:
            person["CustomerId"] = company["Id"]
            person["RelationData"] = [{"ContactId": pid, "CustomerId": company["Id"],
                                       "Title": _TITLES[k % len(_TITLES)], "Email": email}]  # fmt: skip
        ds.persons[pid] = person
    ds.counters["persons"] = max(ds.persons)

    for k, (name, description, invoiceable, price, active) in enumerate(_WORK_TYPES):
        wid = off + 1 + k
        ds.work_types[wid] = {"Id": wid, "Name": name, "Description": description, "Invoiceable": invoiceable,
                              "Price": _D(price), "_active": active}  # fmt: skip
    for k, name in enumerate(_SALARY_TYPES):
        sid = off + 1 + k
        ds.salary_types[sid] = {"Id": sid, "Name": name}
    ds.counters["work_types"] = max(ds.work_types)
    ds.counters["salary_types"] = max(ds.salary_types)

    customers = [c for c in ds.companies.values() if c["Type"] in ("Business", "Consumer")]
    work_type_ids = [w for w, v in ds.work_types.items() if v["_active"]]
    n_projects = max(5, n // 10)
    dates = _dates(rng, n_projects, base)
    for k in range(n_projects):
        prid = off + 1 + k
        customer = customers[rng.randrange(len(customers))]
        start = dates[k] - timedelta(days=rng.randrange(10, 200))
        project = {
            "Id": prid,
            "Name": f"{('Oppgradering', 'Nytt lager', 'Serviceavtale', 'Montering', 'Rehab')[k % 5]} {customer['Name']}",
            "NameDisplay": "Plain",
            "QuickListed": True,
            "DateChanged": dates[k],
            "DateStart": start,
            "DateRegistered": start - timedelta(days=3),
            "CustomerId": customer["Id"],
            "CustomerName": customer["Name"],
            "Owner": employee_ids[k % len(employee_ids)],
            "StatusId": 1,
            "StatusName": "Aktiv",
            "Description": f"Prosjekt {k + 1}",
            "TimeReg": "WorkType",
            "Participants": employee_ids[k % 3 :: 3][:4],
            "_active": k % 20 != 19,
            "_work_types": work_type_ids[: 2 + k % 3] if k % 4 == 0 else [],
        }
        if k % 6 == 5:
            project["DateStop"] = start + timedelta(days=180)
        ds.projects[prid] = project
    ds.counters["projects"] = max(ds.projects)

    salary_ids = list(ds.salary_types)
    project_list = list(ds.projects.values())
    n_hours = max(20, n // 4)
    dates = _dates(rng, n_hours, base)
    for k in range(n_hours):
        hid = off + 900001 + k
        project = project_list[rng.randrange(len(project_list))]
        start = dates[k].replace(minute=0, second=0)
        length = (1, 2, 4, 7, 8)[k % 5]
        approved = ("True", "True", "none", "False")[k % 4]
        ds.hours[hid] = {
            "Id": hid,
            "TypeOfWorkId": work_type_ids[k % len(work_type_ids)],
            "StartTime": start,
            "StopTime": start + timedelta(hours=length),
            "TotalHours": float(length),
            "TotalHoursInvoice": float(length),
            "ContactId": employee_ids[k % len(employee_ids)],
            "ProjectId": project["Id"],
            "Description": "Arbeid utført",
            "Locked": "True" if approved == "True" and k % 3 == 0 else "False",
            "Approved": approved,
            "NeedApproval": approved == "none",
            "SalaryTypeId": salary_ids[k % len(salary_ids)],
            "CustomerId": project["CustomerId"],
            "_changed": dates[k],
        }
    ds.counters["hours"] = max(ds.hours)


def _seed_orders(ds: DataSet, rng: random.Random, n: int, off: int) -> None:
    customers = [c for c in ds.companies.values() if c["Type"] in ("Business", "Consumer")]
    products = list(ds.products.values())
    states = [s for s, w in _ORDER_STATES for _ in range(w)]
    methods = list(ds.delivery_methods.values())
    employee_ids = list(ds.employees())
    project_ids = list(ds.projects)
    dates = _dates(rng, n, BASE_DATE)
    rand = rng.getrandbits
    n_customers, n_products, n_states, n_quant, n_disc = (
        len(customers), len(products), len(states), len(_QUANTITIES), len(_DISCOUNTS))  # fmt: skip
    row_id = off + 3000000
    invoice_no = off + 50000
    orders = ds.orders
    for i in range(n):
        oid = off + 100001 + i
        r = rand(60)
        customer = customers[r % n_customers]
        status = states[(r >> 20) % n_states]
        changed = dates[i]
        ordered = changed - timedelta(days=(r >> 27) % 30, hours=(r >> 32) % 12)
        rows = []
        net = _ZERO
        for seq in range(1 + (r >> 36) % 5):
            rr = rand(32)
            product = products[rr % n_products]
            quantity = _QUANTITIES[(rr >> 20) % n_quant]
            discount = _DISCOUNTS[(rr >> 26) % n_disc]
            price = product["Price"]
            row_id += 1
            rows.append({"ProductId": product["Id"], "RowId": row_id, "VatRate": _VAT, "Price": price,
                         "Name": product["Name"], "DiscountRate": discount, "Quantity": quantity,
                         "Type": "Normal", "SequenceNumber": seq + 1, "ProductNo": product["No"]})  # fmt: skip
            line = price * quantity
            net += line - line * discount / 100 if discount else line
        net = net.quantize(_CENT)
        vat = (net * _VAT / 100).quantize(_CENT)
        emails = customer.get("EmailAddresses")
        order = {
            "OrderId": oid,
            "CustomerId": customer["Id"],
            "CustomerName": customer["Name"],
            "Addresses": customer["Addresses"],
            "OrderStatus": status,
            "DateOrdered": ordered,
            "DateChanged": changed,
            "PaymentTime": customer["PaymentTime"],
            "OrderTotalIncVat": net + vat,
            "OrderTotalVat": vat,
            "InvoiceRows": rows,
            "DeliveryDate": ordered + timedelta(days=3 + (r >> 40) % 14),
            "DeliveryMethod": methods[(r >> 44) % len(methods)],
            "_registered": ordered,
        }
        if emails:
            order["InvoiceEmailAddress"] = emails["Invoice"]["Value"]
        if (r >> 48) % 10 < 7:
            order["CustomerDeliveryPhone"] = f"+47 9{(oid * 17) % 10**7:07d}"
        if (r >> 52) % 10 < 6:
            order["YourReference"] = _FIRST_NAMES[(r >> 8) % 20] + " " + _LAST_NAMES[(r >> 13) % 20]
        if (r >> 56) % 10 < 4:
            order["InvoiceTitle"] = f"Bestilling {oid}"
        if i % 2 == 0:
            order["ReferenceNumber"] = f"PO-{oid}"
        if i % 7 == 0 and employee_ids:
            order["OurReference"] = ds.persons[employee_ids[i % len(employee_ids)]]["EmployeeId"]
        if i % 20 == 3 and project_ids:
            order["ProjectId"] = project_ids[i % len(project_ids)]
        if status == "Invoiced":
            invoice_no += 1
            order["InvoiceId"] = invoice_no
            order["DateInvoiced"] = changed
        orders[oid] = order
    ds.counters["orders"] = max(orders, default=off + 100000)
    ds.counters["rows"] = row_id
    ds.counters["invoices"] = invoice_no
