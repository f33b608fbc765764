"""The lab's certificate register (``/certificates``) and the public verification page (``/verify``)."""
