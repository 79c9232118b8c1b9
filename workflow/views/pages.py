"""Pages of conventions: thin views calling selectors, abilities from the policy module."""

from django.shortcuts import render

from workflow import readiness, selectors, selectors_home, selectors_start


def home(request):
    # A summary for whoever sees many conventions, else the filtered, paginated list (GET parameters).
    home = selectors_home.home_page(user=request.user, params=request.GET)
    context = {"home": home, "conventions": home.conventions, "filter": home.filter}
    if request.htmx and not home.is_summary:
        # The filter form asks for the results only; without JavaScript the form reloads the page.
        return render(request, "workflow/_home_results.html", context)
    # What to do next: « Démarrer une CTG » for whoever may, else whom to ask (when the list is empty).
    context["next_step"] = selectors_start.next_step(user=request.user)
    return render(request, "workflow/home.html", context)


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
