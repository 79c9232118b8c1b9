"""Pages of conventions: thin views calling selectors, abilities from the policy module."""

from django.shortcuts import render

from workflow import readiness, selectors, selectors_start


def home(request):
    conventions = selectors.conventions_for_home(user=request.user)
    # What to do next: « Démarrer une CTG » for whoever may, else whom to ask (when the list is empty).
    next_step = selectors_start.next_step(user=request.user)
    return render(request, "workflow/home.html", {"conventions": conventions, "next_step": next_step})


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
            # What is missing for the CAF's review, for the staff who fix it while they edit the text.
            "readiness": readiness.review_readiness(convention) if abilities["edit"] else None,
            **selectors.workflow_context(user=request.user, convention=convention, abilities=abilities),
        },
    )
