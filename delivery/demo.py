from delivery.models import DeliveryZone

DEMO_ZONES = {
    "Bengaluru East": "560001 560008 560017 560025 560038 560043 560071 560075 560093",
    "Bengaluru South": "560004 560011 560029 560034 560041 560047 560068 560076 560095 560102",
}


def demo_zones_ensure() -> None:
    for name, pincodes in DEMO_ZONES.items():
        DeliveryZone.objects.get_or_create(name=name, defaults={"pincodes": pincodes})
