"""A realistic dairy catalog for a fresh shop, with pictures drawn locally."""

import io
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils.text import slugify
from PIL import Image, ImageDraw, ImageFont

from catalog.models import Category, MovementKind, Product
from catalog.stock import stock_record
from containers.models import ContainerType

# Sold from each morning's supply rather than a running stock.
PERISHABLE_CATEGORIES = {"Milk", "Curd & Yogurt", "Dairy Drinks"}

# name, category, unit, price, stock, subscribable, description
DEMO_PRODUCTS = [
    (
        "Cow Milk",
        "Milk",
        "500 ml",
        "32.00",
        120,
        True,
        "Full-cream cow milk from farms around the city, pasteurised and packed before dawn.",
    ),
    (
        "Cow Milk",
        "Milk",
        "1 L",
        "62.00",
        150,
        True,
        "Full-cream cow milk from farms around the city, pasteurised and packed before dawn.",
    ),
    (
        "Buffalo Milk",
        "Milk",
        "500 ml",
        "38.00",
        80,
        True,
        "Rich, creamy buffalo milk; sets thick curd and makes great chai.",
    ),
    (
        "Buffalo Milk",
        "Milk",
        "1 L",
        "74.00",
        90,
        True,
        "Rich, creamy buffalo milk; sets thick curd and makes great chai.",
    ),
    ("Toned Milk", "Milk", "500 ml", "28.00", 200, True, "3% fat toned milk for the everyday family."),
    ("Toned Milk", "Milk", "1 L", "54.00", 200, True, "3% fat toned milk for the everyday family."),
    ("Double Toned Milk", "Milk", "500 ml", "26.00", 100, True, "1.5% fat, lighter milk for tea and coffee."),
    ("Skimmed Milk", "Milk", "500 ml", "27.00", 60, True, "Less than 0.5% fat, all of the protein."),
    ("Skimmed Milk", "Milk", "1 L", "52.00", 60, True, "Less than 0.5% fat, all of the protein."),
    ("A2 Gir Cow Milk", "Milk", "1 L", "110.00", 40, True, "A2 milk from desi Gir cows, delivered in glass bottles."),
    (
        "Fresh Curd",
        "Curd & Yogurt",
        "400 g",
        "35.00",
        70,
        True,
        "Thick set dahi, made the traditional way every evening.",
    ),
    ("Fresh Curd", "Curd & Yogurt", "1 kg", "80.00", 40, False, "Thick set dahi for the whole family."),
    ("Greek Yogurt", "Curd & Yogurt", "100 g", "45.00", 30, False, "Strained, high-protein yogurt."),
    ("Mishti Doi", "Curd & Yogurt", "200 g", "40.00", 25, False, "Sweet caramelised curd in a clay pot."),
    (
        "Malai Paneer",
        "Paneer & Cheese",
        "200 g",
        "95.00",
        50,
        False,
        "Soft, fresh paneer made from whole milk this morning.",
    ),
    (
        "Malai Paneer",
        "Paneer & Cheese",
        "500 g",
        "225.00",
        20,
        False,
        "Soft, fresh paneer made from whole milk this morning.",
    ),
    ("Cheese Slices", "Paneer & Cheese", "200 g", "140.00", 35, False, "Ten processed cheese slices."),
    ("Cow Ghee", "Ghee & Butter", "500 ml", "340.00", 30, False, "Slow-cooked danedar ghee with a nutty aroma."),
    ("Buffalo Ghee", "Ghee & Butter", "1 L", "620.00", 15, False, "Rich buffalo ghee for sweets and festive cooking."),
    ("Salted Butter", "Ghee & Butter", "100 g", "58.00", 45, False, "Creamy table butter."),
    ("White Butter", "Ghee & Butter", "200 g", "110.00", 20, False, "Unsalted homemade-style makkhan."),
    ("Buttermilk (Chaas)", "Dairy Drinks", "200 ml", "15.00", 100, True, "Spiced chaas with curry leaves and ginger."),
    ("Sweet Lassi", "Dairy Drinks", "200 ml", "25.00", 60, False, "Thick Punjabi-style sweet lassi."),
    ("Mango Lassi", "Dairy Drinks", "200 ml", "30.00", 0, False, "Alphonso mango lassi. Back in stock soon."),
    ("Badam Milk", "Dairy Drinks", "200 ml", "35.00", 40, False, "Saffron and almond milk, served chilled."),
    ("Fresh Cream", "Cream & Khoa", "200 ml", "65.00", 30, False, "25% fat cream for gravies and desserts."),
    ("Khoa", "Cream & Khoa", "250 g", "120.00", 15, False, "Fresh mawa for pedas and halwa."),
]

# Products delivered in a returnable container: slug → (container, its deposit).
DEMO_CONTAINERS = {"a2-gir-cow-milk-1-l": ("Glass bottle 1 L", "30.00")}

CATEGORY_COLOURS = {
    "Milk": ("#e8f1fb", "#1d4f91"),
    "Curd & Yogurt": ("#fdf6e3", "#8a5a00"),
    "Paneer & Cheese": ("#fff8e8", "#7a4b00"),
    "Ghee & Butter": ("#fff3d6", "#8a5300"),
    "Dairy Drinks": ("#eef8ee", "#1f6b2a"),
    "Cream & Khoa": ("#f8eef5", "#7a2a5e"),
}

FONT_PATHS = ["/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", "DejaVuSans-Bold.ttf"]


def _font(size: int):
    for path in FONT_PATHS:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    return ImageFont.load_default(size=size)


def product_picture(name: str, unit: str, category: str) -> bytes:
    """A 640×480 PNG: the category's colours, a simple pack shape, the name and unit."""
    background, ink = CATEGORY_COLOURS.get(category, ("#f2f2f2", "#333333"))
    image = Image.new("RGB", (640, 480), background)
    draw = ImageDraw.Draw(image)
    if category == "Milk":
        draw.polygon(
            [(270, 70), (370, 70), (370, 110), (400, 150), (400, 330), (240, 330), (240, 150), (270, 110)],
            fill="white",
            outline=ink,
            width=6,
        )
        draw.rectangle([(246, 230), (394, 324)], fill=ink)
    elif category == "Dairy Drinks":
        draw.polygon([(250, 90), (390, 90), (370, 330), (270, 330)], fill="white", outline=ink, width=6)
    else:
        draw.rounded_rectangle([(220, 130), (420, 330)], radius=24, fill="white", outline=ink, width=6)
        draw.rectangle([(210, 110), (430, 150)], fill=ink)
    title, subtitle = _font(40), _font(30)
    draw.text((320, 380), name, font=title, fill=ink, anchor="mm")
    draw.text((320, 430), unit, font=subtitle, fill=ink, anchor="mm")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


# HSN code and GST rate (the slabs from 22 September 2025) by product name; unnamed products are fresh milk, 0401 at
# nil. Packed and labelled curd, lassi and buttermilk pay 5 % (loose they would be nil); paneer is nil.
DEMO_GST = {
    "Fresh Curd": ("0403", "5"),
    "Greek Yogurt": ("0403", "5"),
    "Mishti Doi": ("0403", "5"),
    "Malai Paneer": ("0406", "0"),
    "Cheese Slices": ("0406", "5"),
    "Cow Ghee": ("0405", "5"),
    "Buffalo Ghee": ("0405", "5"),
    "Salted Butter": ("0405", "5"),
    "White Butter": ("0405", "5"),
    "Buttermilk (Chaas)": ("0403", "5"),
    "Sweet Lassi": ("0403", "5"),
    "Mango Lassi": ("0403", "5"),
    "Badam Milk": ("2202", "5"),
    "Fresh Cream": ("0401", "5"),
    "Khoa": ("0404", "5"),
}


def demo_catalog_ensure() -> int:
    """Create the demo categories and products that are missing; returns how many products were added."""
    categories = {}
    for position, name in enumerate(CATEGORY_COLOURS):
        categories[name], _ = Category.objects.get_or_create(
            slug=slugify(name), defaults={"name": name, "position": position}
        )
    added = 0
    for name, category, unit, price, stock, subscribable, description in DEMO_PRODUCTS:
        slug = slugify(f"{name} {unit}")
        if Product.objects.filter(slug=slug).exists():
            continue
        perishable = category in PERISHABLE_CATEGORIES
        hsn_code, gst_rate = DEMO_GST.get(name, ("0401", "0"))
        product = Product(
            name=name,
            slug=slug,
            category=categories[category],
            unit=unit,
            price=Decimal(price),
            perishable=perishable,
            daily_supply=stock if perishable else 0,
            subscribable=subscribable,
            hsn_code=hsn_code,
            gst_rate=Decimal(gst_rate),
            description=description,
        )
        product.image.save(f"{slug}.png", ContentFile(product_picture(name, unit, category)), save=False)
        product.save()
        if stock and not perishable:
            stock_record(product=product, kind=MovementKind.RECEIVED, qty=stock, note="Opening stock")
        added += 1
    _demo_containers_ensure()
    return added


def _demo_containers_ensure() -> None:
    """The demo's glass-bottled milk comes in a returnable bottle with a deposit."""
    for slug, (name, deposit) in DEMO_CONTAINERS.items():
        container, _ = ContainerType.objects.get_or_create(name=name, defaults={"deposit": Decimal(deposit)})
        Product.objects.filter(slug=slug, container__isnull=True).update(container=container)
