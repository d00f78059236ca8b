"""The board's map: which tile service an organization uses, and the writes that change it.

The product ships no map data, only the Leaflet library. Tiles come from a service the
organization admin configures (OpenStreetMap, 高德 AMap, 天地图 Tianditu), each of which holds
the approval number (审图号) that publishing a map of China requires (《地图管理条例》第十五条);
without one, or when its tiles do not load, the board draws a schematic (stops, routes and
service-radius circles on a kilometre grid, no boundaries).

A tile key is a browser key: the provider restricts it to the organization's domain, and it
reaches the browser in tile requests on the board. It is stored encrypted and never shown
back in full on the settings page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction

from aftersales.accounts.settings_log import settings_change_log
from aftersales.dispatch.models import MapSettings

if TYPE_CHECKING:
    from aftersales.accounts.models import Organization, User

Provider = MapSettings.Provider


@dataclass(frozen=True)
class ProviderDefaults:
    url: str
    subdomains: str
    attribution: str
    needs_key: bool
    gcj02: bool = False  # tiles drawn in GCJ-02 (国测局坐标): WGS-84 points are shifted to match
    overlay: str = ""  # a second layer with the place names


DEFAULTS: dict[str, ProviderDefaults] = {
    Provider.OSM: ProviderDefaults(
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "",
        "© OpenStreetMap contributors",
        needs_key=False,
    ),
    Provider.AMAP: ProviderDefaults(
        "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}",
        "1234",
        "© 高德地图 AutoNavi",
        needs_key=False,
        gcj02=True,
    ),
    Provider.TIANDITU: ProviderDefaults(
        "https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=vec&STYLE=default"
        "&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={key}",
        "01234567",
        "© 天地图 Tianditu",
        needs_key=True,
        overlay="https://t{s}.tianditu.gov.cn/cva_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=cva"
        "&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={key}",
    ),
}


def settings_of(organization: Organization) -> MapSettings:
    """The saved settings, or the defaults (unsaved: no online map)."""
    found = MapSettings.objects.filter(organization=organization).first()
    return found if found is not None else MapSettings(organization=organization)


def masked(key: str) -> str:
    """A key as the settings page may show it: its last four characters at most."""
    if not key:
        return ""
    return "•" * 8 + (key[-4:] if len(key) >= 12 else "")


def tile_config(organization: Organization) -> dict[str, Any] | None:
    """What the board's script needs to draw the tiles; None: draw the schematic."""
    found = settings_of(organization)
    if found.provider == Provider.NONE or found.provider not in DEFAULTS:
        return None
    defaults = DEFAULTS[found.provider]
    if defaults.needs_key and not found.api_key:
        return None
    return {
        "provider": found.provider,
        "url": found.url_template or defaults.url,
        "subdomains": defaults.subdomains,
        "key": found.api_key,
        "attribution": found.attribution or defaults.attribution,
        "gcj02": defaults.gcj02,
        "overlay": "" if found.url_template else defaults.overlay,
    }


def _key_state(key: str) -> str:
    return "set" if key else ""


def map_settings_update(
    *,
    organization: Organization,
    by: User,
    provider: str,
    url_template: str,
    api_key: str | None,
    attribution: str,
) -> MapSettings:
    """Save the organization's tile service; ``api_key`` None keeps the stored key, "" clears it."""
    with transaction.atomic():
        current = MapSettings.objects.select_for_update().filter(organization=organization).first()
        row = current or MapSettings(organization=organization)
        before = {
            "provider": row.provider,
            "url_template": row.url_template,
            "attribution": row.attribution,
            "api_key": _key_state(row.api_key),
        }
        row.provider = provider
        row.url_template = url_template.strip()
        row.attribution = attribution.strip()
        if api_key is not None:
            row.api_key = api_key.strip()
        row.save()
        after = {
            "provider": row.provider,
            "url_template": row.url_template,
            "attribution": row.attribution,
            "api_key": _key_state(row.api_key),
        }
        # The key itself never goes into the log, only whether one is set or was replaced.
        changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
        if api_key and current is not None and before["api_key"] and "api_key" not in changes:
            changes["api_key"] = [before["api_key"], "replaced"]
        settings_change_log(
            organization=organization,
            actor=by,
            area="map",
            action="created" if current is None else "changed",
            target=str(MapSettings._meta.verbose_name),
            detail=changes,
        )
    return row
