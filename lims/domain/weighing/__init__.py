"""Non-automatic weighing instruments: calibration per EURAMET cg-18 and verification per OIML R 76-1.

- :mod:`.weights`: the reference weights (conventional mass, OIML R 111-1 class, air buoyancy bound).
- :mod:`.cg18`: calibration (EURAMET Calibration Guide No. 18 v4.0, 2015): repeatability, eccentricity,
  errors of indication and their uncertainty (section 7).
- :mod:`.r76`: verification measurement method (OIML R 76-1:2006 annex A): test loads, change-point weights,
  eccentricity, repeatability, discrimination, zero-setting.
- :mod:`.method`: the ``"weighing"`` block of a procedure file (which of the two, and its settings).
"""
