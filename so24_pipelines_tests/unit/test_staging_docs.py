from pathlib import Path

from so24_pipelines.flows.tables import STAGING_TABLES, staging_page
from so24_pipelines.staging.schema import table_ddl


def test_docs_page_matches_the_table_specs():
    page = Path(__file__).resolve().parents[2] / "docs" / "staging.md"
    assert page.read_text() == staging_page(), "run: python -m so24_pipelines.flows.tables > docs/staging.md"


def test_every_table_has_identity_in_its_key_and_required_columns_not_null():
    for table in STAGING_TABLES:
        ddl = table_ddl(table)
        assert f"PRIMARY KEY (identity, {', '.join(table.key)})" in ddl
        for c in table.all_columns:
            if c.required:
                assert f"{c.name} {c.sql_type} NOT NULL" in ddl
