"""Pages of conventions: thin views calling selectors, abilities from the policy module."""

from django.shortcuts import render

from .. import selectors


def home(request):
    conventions = selectors.conventions_for_home(user=request.user)
    return render(request, "conventions/home.html", {"conventions": conventions})


def convention_detail(request, pk: int):
    convention = selectors.convention_detail(user=request.user, pk=pk)
    abilities = convention.get_abilities(request.user)
    return render(
        request,
        "conventions/convention_detail.html",
        {
            "convention": convention,
            "abilities": abilities,
            "diagnostic_summary": selectors.diagnostic_summary(convention=convention),
            **selectors.workflow_context(user=request.user, convention=convention, abilities=abilities),
        },
    )
