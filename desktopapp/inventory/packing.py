"""The seed's packing rules: from an item's furniture volume to its packed volume.

Per unit: a fragile item takes twice its volume (crate, padding); any other item gains 10 %
when it is small (unit volume ≤ 0.06 m³: wrapped, boxed) and 5 % when larger (blankets);
a dismountable item then takes 30 % less (flat-packed). An item that is not moving
(built in, sold, staying) takes no room in the truck.
"""

from __future__ import annotations

SMALL_ITEM_M3 = 0.06
FRAGILE_FACTOR = 2.0
SMALL_FACTOR = 1.10
LARGE_FACTOR = 1.05
DISMOUNTABLE_FACTOR = 0.70


def packing_factor(unit_volume_m3: float, *, fragile: bool, dismountable: bool) -> float:
    if fragile:
        factor = FRAGILE_FACTOR
    elif unit_volume_m3 <= SMALL_ITEM_M3:
        factor = SMALL_FACTOR
    else:
        factor = LARGE_FACTOR
    return factor * DISMOUNTABLE_FACTOR if dismountable else factor


def packed_volume(
    unit_volume_m3: float, quantity: int, *, fragile: bool, dismountable: bool
) -> float:
    """The truck space `quantity` such items take once packed, in m³."""
    factor = packing_factor(unit_volume_m3, fragile=fragile, dismountable=dismountable)
    return unit_volume_m3 * quantity * factor
