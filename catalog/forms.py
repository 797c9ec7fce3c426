from django import forms


class CatalogFilterForm(forms.Form):
    q = forms.CharField(
        label="Search products",
        required=False,
        max_length=80,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Search milk, curd, paneer…"}),
    )
    category = forms.ChoiceField(label="Category", required=False)
    in_stock = forms.BooleanField(label="In stock only", required=False)

    def __init__(self, *args, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.categories = categories
        self.fields["category"].choices = [("", "All categories")] + [(c.slug, c.name) for c in self.categories]

    def filters(self) -> dict:
        """Filters for products_for_catalog; a field with bad input (an unknown category) is ignored."""
        self.is_valid()
        data = self.cleaned_data
        return {
            "category": data.get("category", ""),
            "search": data.get("q", ""),
            "in_stock_only": data.get("in_stock", False),
        }
