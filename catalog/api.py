import datetime
from decimal import Decimal

from django.http import HttpRequest, HttpResponse
from django.utils.text import slugify
from ninja import Query, Router, Status
from pydantic import Field

from catalog.models import Category, Product
from catalog.selectors import products_for_catalog
from catalog.services import product_create, product_update
from catalog.stock import StockError
from milkshop.apibase import COMMON_ERRORS, ApiError, CamelSchema, bearer, not_found

router = Router(tags=["products"])

MAX_PAGE_SIZE = 100


class ProductOut(CamelSchema):
    product_id: int
    name: str
    price: Decimal
    stock: int
    category: str
    unit: str


class ProductDetailOut(ProductOut):
    slug: str
    description: str
    is_active: bool
    subscribable: bool
    perishable: bool
    daily_supply: int
    image_url: str | None


class ProductFilters(CamelSchema):
    category: str = Field(default="", max_length=80, description="Category name or slug, e.g. Milk")
    search: str = Field(default="", max_length=80)
    in_stock: bool = False
    date: datetime.date | None = Field(
        default=None, description="Stock for this delivery date; without it, the most left for any open date"
    )
    page: int = Field(default=1, ge=1, le=10_000)
    page_size: int = Field(default=50, ge=1, le=MAX_PAGE_SIZE)


class ProductIn(CamelSchema):
    name: str = Field(min_length=1, max_length=120)
    category: str = Field(min_length=1, max_length=80, description="Category name or slug")
    unit: str = Field(min_length=1, max_length=40)
    price: Decimal = Field(gt=0, max_digits=10, decimal_places=2)
    stock: int = Field(default=0, ge=0, le=1_000_000, description="Packaged goods: opening stock")
    perishable: bool = False
    daily_supply: int = Field(default=0, ge=0, le=1_000_000, description="Perishables: units each delivery date")
    description: str = Field(default="", max_length=5000)
    is_active: bool = True
    subscribable: bool = False
    slug: str | None = Field(default=None, max_length=140)


class ProductUpdateIn(CamelSchema):
    product_id: int
    name: str | None = Field(default=None, min_length=1, max_length=120)
    category: str | None = Field(default=None, min_length=1, max_length=80)
    unit: str | None = Field(default=None, min_length=1, max_length=40)
    price: Decimal | None = Field(default=None, gt=0, max_digits=10, decimal_places=2)
    stock: int | None = Field(default=None, ge=0, le=1_000_000, description="Packaged goods: a count of what is left")
    perishable: bool | None = None
    daily_supply: int | None = Field(default=None, ge=0, le=1_000_000)
    description: str | None = Field(default=None, max_length=5000)
    is_active: bool | None = None
    subscribable: bool | None = None


def product_out(product: Product, request: HttpRequest | None = None) -> dict:
    return {
        "product_id": product.pk,
        "name": product.name,
        "price": product.price,
        "stock": product.available,
        "category": product.category.name,
        "unit": product.unit,
        "slug": product.slug,
        "description": product.description,
        "is_active": product.is_active,
        "subscribable": product.subscribable,
        "perishable": product.perishable,
        "daily_supply": product.daily_supply,
        "image_url": request.build_absolute_uri(product.image.url) if request and product.image else None,
    }


def _find_category(name_or_slug: str) -> Category | None:
    return (
        Category.objects.filter(slug=slugify(name_or_slug)).first()
        or Category.objects.filter(name__iexact=name_or_slug).first()
    )


def _category(name_or_slug: str) -> Category:
    category = _find_category(name_or_slug)
    if category is None:
        raise ApiError(
            400, "invalid", "Some fields are not valid.", {"category": [f"No category called {name_or_slug!r}."]}
        )
    return category


def _staff_only(request: HttpRequest) -> None:
    if not request.user.is_staff:
        raise ApiError(403, "forbidden", "Only staff can change products.")


@router.get("/products", response={200: list[ProductOut], **COMMON_ERRORS}, by_alias=True, summary="List products")
def products(request: HttpRequest, response: HttpResponse, filters: Query[ProductFilters]):
    """Active products, filtered like the shop's catalog page. Pages with page and pageSize; X-Total-Count has the total."""
    category = _find_category(filters.category) if filters.category else None
    if filters.category and category is None:
        response["X-Total-Count"] = "0"
        return []
    found = products_for_catalog(
        category=category.slug if category else "",
        search=filters.search,
        in_stock_only=filters.in_stock,
        day=filters.date,
    )
    start = (filters.page - 1) * filters.page_size
    response["X-Total-Count"] = str(found.count())
    return [product_out(product) for product in found[start : start + filters.page_size]]


@router.get(
    "/products/{product_id}", response={200: ProductDetailOut, **COMMON_ERRORS}, by_alias=True, summary="One product"
)
def product_detail(request: HttpRequest, product_id: int):
    product = Product.objects.select_related("category").with_left().filter(pk=product_id).first()
    if product is None:
        raise not_found("product")
    return product_out(product, request)


@router.post(
    "/product/add",
    response={201: ProductDetailOut, **COMMON_ERRORS},
    auth=bearer,
    by_alias=True,
    summary="Add a product (staff)",
)
def product_add(request: HttpRequest, payload: ProductIn):
    _staff_only(request)
    data = payload.model_dump()
    data["category"] = _category(data["category"])
    data["slug"] = slugify(data["slug"] or f"{data['name']} {data['unit']}")
    if Product.objects.filter(slug=data["slug"]).exists():
        raise ApiError(
            409, "slug_taken", f"A product with slug {data['slug']!r} already exists.", {"slug": ["Already used."]}
        )
    try:
        product = product_create(by=request.user, **data)
    except StockError as error:
        raise ApiError(409, "stock_refused", str(error)) from error
    return Status(201, product_out(product, request))


@router.patch(
    "/product/update",
    response={200: ProductDetailOut, **COMMON_ERRORS},
    auth=bearer,
    by_alias=True,
    summary="Change a product (staff)",
)
def product_change(request: HttpRequest, payload: ProductUpdateIn):
    _staff_only(request)
    product = Product.objects.filter(pk=payload.product_id).first()
    if product is None:
        raise not_found("product")
    changes = payload.model_dump(exclude={"product_id"}, exclude_none=True)
    if "category" in changes:
        changes["category"] = _category(changes["category"])
    try:
        product = product_update(product=product, by=request.user, **changes)
    except StockError as error:
        raise ApiError(409, "stock_refused", str(error)) from error
    return product_out(product, request)
