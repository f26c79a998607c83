"""The portal's own verifiable credential (DOMAIN.md "Digital badges and proof of certification"): the
signing key and its published JWKS (keys), the Open Badges 3.0 credential in its JWT form (building), the
W3C Bitstring Status Lists that publish revocation and lapse (status_lists), the offline check
(verification) and the reads of the proof page (selectors)."""
