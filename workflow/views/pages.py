"""Pages of conventions: thin views calling selectors, abilities from the policy module."""

from django.shortcuts import render

from workflow import selectors


def home(request):
    conventions = selectors.conventions_for_home(user=request.user)
    return render(request, "workflow/home.html", {"conventions": conventions})


def convention_detail(request, convention_pk: int):
    convention = selectors.convention_detail(user=request.user, pk=convention_pk)
    abilities = convention.get_abilities(request.user)
    return render(
        request,
        "workflow/convention_detail.html",
        {
            "convention": convention,
            "abilities": abilities,
            "diagnostic_summary": selectors.diagnostic_summary(convention=convention),
            **selectors.workflow_context(user=request.user, convention=convention, abilities=abilities),
        },
    )
