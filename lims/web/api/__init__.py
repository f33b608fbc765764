"""The JSON API (``/api/v1``): bearer tokens only, JSON everywhere, one error object, keyset pages.

:mod:`lims.web.api.framework` holds the machinery (``api_view``, ``json_body``, ``page_args``, errors);
:mod:`lims.web.api.views` the endpoints; :mod:`lims.web.api.openapi` the OpenAPI 3.1 document.
"""
