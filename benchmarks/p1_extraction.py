"""P1: staging extraction speed and memory at scale, against zeep and against the lxml floor.

One sandbox at --scale N (100k products, 100k orders with rows by default) answers GetProducts
(everything) and GetInvoices for every batch of 1000 order ids. The answers are saved once, then
three parsers replay the same bytes, each in a fresh process so its peak RSS is its own:

- ours:  the hub's path (envelope checks, fastparse columns, typed upsert into staging);
- zeep:  zeep's object graph (process_reply, serialize_object) into pandas, then DuckDB;
- floor: a bare lxml parse of the same bytes, direct child texts into DuckDB, no typing.

Last line: P1 vs_zeep=<zeep/ours> vs_floor=<ours/floor> peak_rss_mb=<ours>.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PRODUCTS_FILE = "products.xml"


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def fetch(url: str, out: Path, batch: int) -> dict:
    import requests

    from so24_pipelines.connectors.so24 import reads
    from so24_pipelines.connectors.so24.client import So24Client, So24Credentials
    from so24_pipelines.flows.so24.tables import ORDER_SHAPE, PRODUCTS

    creds = requests.get(f"{url}/_sandbox/24so/credentials", timeout=30).json()
    client = So24Client(
        base_url=f"{url}/24so",
        credentials=So24Credentials(creds["application_id"], creds["username"], creds["password"]),
        timeout=600,
        requests_per_hour=7200,
    )
    started = time.perf_counter()
    data = client.raw(
        "ProductService", "GetProducts", searchParams={}, returnProperties={"string": PRODUCTS.shape().return_properties}
    )
    (out / PRODUCTS_FILE).write_bytes(data)
    ids = reads.order_ids(client)
    row_props = ORDER_SHAPE.children["rows"].shape.return_properties
    for n in range(0, len(ids), batch):
        data = client.raw(
            "InvoiceService", "GetInvoices",
            searchParams={"OrderIds": {"int": ids[n : n + batch]}},
            invoiceReturnProperties={"string": ORDER_SHAPE.return_properties},
            rowReturnProperties={"string": row_props},
        )
        (out / f"orders_{n // batch:05d}.xml").write_bytes(data)
    return {"orders": len(ids), "fetch_s": time.perf_counter() - started}


def _files(folder: Path) -> list[tuple[str, Path]]:
    items = [("GetProducts", folder / PRODUCTS_FILE)]
    items += [("GetInvoices", p) for p in sorted(folder.glob("orders_*.xml"))]
    return items


def run_ours(folder: Path, db: Path) -> int:
    """The extraction's own path: check_answer, fastparse, ColumnBuffer, store_batch."""
    from so24_pipelines.connectors.so24.envelope import check_answer, result_element
    from so24_pipelines.connectors.so24.fastparse import records_to_columns
    from so24_pipelines.flows.so24.entities import ENTITIES
    from so24_pipelines.flows.so24.extract import (
        FLUSH_ROWS,
        ColumnBuffer,
        ExtractReport,
        prepare,
        store_batch,
    )
    from so24_pipelines.flows.so24.tables import ORDER_SHAPE, PRODUCTS

    prepare(db)
    products, orders = ENTITIES["products"], ENTITIES["orders"]
    report = ExtractReport("bench", "bench", "full")
    buffer = ColumnBuffer()
    for op, path in _files(folder):
        env = check_answer(200, "text/xml", path.read_bytes(), call=op)
        result = result_element(env, op)
        if op == "GetProducts":
            cols, _ = records_to_columns(result, PRODUCTS.shape())
            store_batch(db, products, "bench", cols, None, report, advance_to=None)
        else:
            cols, children = records_to_columns(result, ORDER_SHAPE)
            buffer.add(cols, children["rows"])
            if buffer.rows >= FLUSH_ROWS:
                store_batch(db, orders, "bench", buffer.columns, buffer.child, report, advance_to=None)
                buffer.clear()
        del env, result
    store_batch(db, orders, "bench", buffer.columns, buffer.child, report, advance_to=None)
    return report.rows.inserted + report.child_rows.inserted


def _dig(obj: dict | None, path: str) -> object:
    for part in path.split("/"):
        if obj is None:
            return None
        obj = obj.get(part) if isinstance(obj, dict) else None
    return obj


def run_zeep(folder: Path, db: Path, url: str) -> int:
    import duckdb
    import pandas as pd
    import zeep
    from zeep.helpers import serialize_object
    from zeep.loader import parse_xml

    from so24_pipelines.flows.so24.tables import ORDER_ROWS, ORDERS, PRODUCTS

    settings = zeep.Settings(strict=True, xml_huge_tree=True)
    clients = {
        "GetProducts": zeep.Client(f"{url}/24so/Logistics/Product/V001/ProductService.asmx?WSDL", settings=settings),
        "GetInvoices": zeep.Client(f"{url}/24so/Economy/InvoiceOrder/V001/InvoiceService.asmx?WSDL", settings=settings),
    }
    con = duckdb.connect(str(db))
    total = 0
    for op, path in _files(folder):
        client = clients[op]
        operation = client.service._binding.get(op)
        doc = parse_xml(path.read_bytes(), client.transport, settings=client.settings)
        items = serialize_object(operation.process_reply(doc), target_cls=dict) or []
        if op == "GetProducts":
            frame = pd.DataFrame([{c.name: _dig(i, c.path) for c in PRODUCTS.columns} for i in items])
            con.execute("CREATE TABLE IF NOT EXISTS products AS SELECT * FROM frame LIMIT 0")
            con.execute("INSERT INTO products SELECT * FROM frame")
            total += len(frame)
        else:
            orders = pd.DataFrame([{c.name: _dig(i, c.path) for c in ORDERS.columns} for i in items])
            rows = pd.DataFrame(
                [
                    {"order_id": i.get("OrderId"), **{c.name: _dig(r, c.path) for c in ORDER_ROWS.columns}}
                    for i in items
                    for r in ((i.get("InvoiceRows") or {}).get("InvoiceRow") or [])
                ]
            )
            con.execute("CREATE TABLE IF NOT EXISTS orders_t AS SELECT * FROM orders LIMIT 0")
            con.execute("INSERT INTO orders_t SELECT * FROM orders")
            con.execute("CREATE TABLE IF NOT EXISTS order_rows AS SELECT * FROM rows LIMIT 0")
            con.execute("INSERT INTO order_rows SELECT * FROM rows")
            total += len(orders) + len(rows)
    con.close()
    return total


def run_floor(folder: Path, db: Path) -> int:
    import duckdb
    import pandas as pd
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)
    con = duckdb.connect(str(db))
    total = 0
    for op, path in _files(folder):
        root = etree.fromstring(path.read_bytes(), parser)
        result = root[0][0][0]
        records = [{child.tag: child.text for child in record} for record in result]
        frame = pd.DataFrame(records, dtype=object)
        if op == "GetProducts":
            con.execute("CREATE TABLE IF NOT EXISTS products AS SELECT * FROM frame LIMIT 0")
            con.execute("INSERT INTO products BY NAME SELECT * FROM frame")
        else:
            con.execute("CREATE TABLE IF NOT EXISTS orders AS SELECT * FROM frame LIMIT 0")
            con.execute("INSERT INTO orders BY NAME SELECT * FROM frame")
        if op == "GetInvoices":
            ns = "{http://24sevenOffice.com/webservices}"
            rows = pd.DataFrame(
                [{c.tag: c.text for c in row} for rec in result for row in rec.iterfind(f"{ns}InvoiceRows/{ns}InvoiceRow")],
                dtype=object,
            )
            con.execute("CREATE TABLE IF NOT EXISTS order_rows AS SELECT * FROM rows LIMIT 0")
            con.execute("INSERT INTO order_rows BY NAME SELECT * FROM rows")
            total += len(rows)
        total += len(frame)
    con.close()
    return total


def _preload() -> None:
    """Import everything every variant uses, so the clock measures work, not imports."""
    import duckdb  # noqa: F401
    import pandas  # noqa: F401
    import pyarrow  # noqa: F401
    import zeep  # noqa: F401
    from lxml import etree  # noqa: F401

    import so24_pipelines.flows.so24.extract  # noqa: F401


def variant_main(args: argparse.Namespace) -> None:
    folder = Path(args.dir)
    db = folder / f"{args.variant}.duckdb"
    _preload()
    started = time.perf_counter()
    if args.variant == "ours":
        n = run_ours(folder, db)
    elif args.variant == "zeep":
        n = run_zeep(folder, db, args.url)
    else:
        n = run_floor(folder, db)
    print(json.dumps({"seconds": time.perf_counter() - started, "rows": n, "peak_rss_mb": _peak_rss_mb()}))


def _run_variant(variant: str, folder: Path, url: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--variant", variant, "--dir", str(folder), "--url", url],
        check=True, capture_output=True, text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--variant", choices=["ours", "zeep", "floor"])
    parser.add_argument("--dir")
    parser.add_argument("--url")
    args = parser.parse_args(argv)
    if args.variant:
        variant_main(args)
        return

    from so24_pipelines_tests.sandbox_process import start_sandbox

    started = time.perf_counter()
    sandbox = start_sandbox(scale=args.scale, timeout=600)
    print(f"sandbox at scale {args.scale} ready in {time.perf_counter() - started:.1f} s", flush=True)
    try:
        with tempfile.TemporaryDirectory(prefix="so24-bench-") as tmp:
            folder = Path(tmp)
            info = fetch(sandbox.url, folder, args.batch)
            size_mb = sum(p.stat().st_size for p in folder.glob("*.xml")) / 1e6
            print(f"fetched {info['orders']} orders + products, {size_mb:.0f} MB of SOAP, in {info['fetch_s']:.1f} s", flush=True)
            results = {}
            for variant in ("floor", "ours", "zeep"):
                results[variant] = _run_variant(variant, folder, sandbox.url)
                r = results[variant]
                print(f"{variant:>5}: {r['seconds']:.2f} s, {r['rows']} rows, peak RSS {r['peak_rss_mb']:.0f} MB", flush=True)
    finally:
        sandbox.stop()
    ours, zeep_r, floor = results["ours"], results["zeep"], results["floor"]
    print(
        f"P1 vs_zeep={zeep_r['seconds'] / ours['seconds']:.2f} vs_floor={ours['seconds'] / floor['seconds']:.2f} "
        f"peak_rss_mb={ours['peak_rss_mb']:.0f}"
    )


if __name__ == "__main__":
    main()
