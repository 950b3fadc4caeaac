"""O1-O5: 24SO <-> Ongoing WMS (seed 001), as plain functions the Dagster layer calls.

Every flow is staging -> mapping spec (mapping/specs/ongoing_*.yaml) -> the one loader:

- O1 articles:      staging.so24_products  -> PUT article by number       (ongoing_articles)
- O2 orders:        staging.so24_orders    -> PUT order by number          (ongoing_orders)
- O3 order status:  WMS shipped orders     -> 24SO OrderState_Sent        (ongoing_order_sent,
                    and, optionally, imported orders -> import status      ongoing_order_imported)
- O4 suppliers:     staging.so24_companies -> supplierInfo on articles     (ongoing_suppliers)
- O5 stock:         WMS stock              -> 24SO SetStockQuantity        (ongoing_stock)

The reverse flows (O3, O5) first read the WMS into staging (staging.ongoing_orders,
staging.ongoing_articles) with a cursor kept in sync.state, then map from staging like the
others: what is compared and written is always data the user can query.
"""
