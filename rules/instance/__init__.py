"""Scan an instance directly: ``imslint pull`` and ``imslint operators --instance``.

Operators are read over SOAP (``xtk:queryDef#ExecuteQuery``) with an Adobe IMS
access token, paged by ``@id`` and written to disk as the SOAP-result export the
operator readers already read. The HTTP library (requests) is imported only when
a pull runs, so no other command pays for it.
"""
