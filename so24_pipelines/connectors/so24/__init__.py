"""24SevenOffice SOAP client (zeep for requests and faults, lxml for bulk responses).

client: the session, retries and typed errors; reads: the extraction's Get* calls; writes: every
Save*/Set* the flows make, with 24SO's in-answer refusals as So24Refused; session: which company
(identity) the session works in.
"""
