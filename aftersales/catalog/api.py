from decimal import Decimal

from ninja import Field, Query, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from aftersales.accounts.access import get_or_404
from aftersales.accounts.http import AuthedRequest
from aftersales.catalog import selectors
from aftersales.catalog.models import ProductModel, SparePart

router = Router(tags=["catalog"])


class PartOverrideOut(Schema):
    part_number: str = Field(alias="spare_part.part_number")
    months: int


class ProductModelOut(Schema):
    id: int
    organization: str = Field(alias="organization.slug")
    brand: str
    model_number: str
    name: str
    category: str = Field(alias="category.code")
    category_kind: str = Field(alias="category.kind")
    list_price: Decimal
    whole_unit_months: int
    main_parts_months: int
    is_active: bool


class ProductModelDetailOut(ProductModelOut):
    part_overrides: list[PartOverrideOut]


class ModelFilter(Schema):
    q: str = ""
    category: str = ""


@router.get("/product-models", response=list[ProductModelOut])
@paginate(LimitOffsetPagination)
def list_product_models(request: AuthedRequest, filters: Query[ModelFilter]) -> object:
    return selectors.product_model_search(user=request.user, q=filters.q, category=filters.category)


@router.get("/product-models/{int:model_id}", response=ProductModelDetailOut)
def get_product_model(request: AuthedRequest, model_id: int) -> ProductModel:
    return selectors.product_model_for_user(user=request.user, pk=model_id)


class SparePartOut(Schema):
    id: int
    organization: str = Field(alias="organization.slug")
    part_number: str
    name: str
    price: Decimal
    is_main_part: bool
    fits: list[str]

    @staticmethod
    def resolve_fits(obj: SparePart) -> list[str]:
        return [m.model_number for m in obj.fits.all()]


class PartFilter(Schema):
    q: str = ""
    product_model_id: int | None = None


@router.get("/spare-parts", response=list[SparePartOut])
@paginate(LimitOffsetPagination)
def list_spare_parts(request: AuthedRequest, filters: Query[PartFilter]) -> object:
    return selectors.spare_part_search(user=request.user, q=filters.q, model_id=filters.product_model_id)


@router.get("/spare-parts/{part_number}", response=SparePartOut)
def get_spare_part(request: AuthedRequest, part_number: str) -> SparePart:
    return get_or_404(
        selectors.spare_parts_for_user(request.user).prefetch_related("fits"), part_number=part_number
    )
