"""24SevenOffice SOAP client (zeep for requests and faults, lxml for bulk responses)."""
