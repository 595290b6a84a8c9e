"""Every error a client sees carries a code, the document's own errors too."""


def test_a_document_that_does_not_parse_is_graphql_parse_failed(anonymous_client):
    response = anonymous_client.execute("{ products(")

    assert response.error_codes() == ["GRAPHQL_PARSE_FAILED"]
    assert response.errors[0]["message"].startswith("Syntax Error:")


def test_an_unknown_field_is_graphql_validation_failed(anonymous_client):
    response = anonymous_client.execute("{ products(first: 1) { edges { nope } } }")

    assert response.error_codes() == ["GRAPHQL_VALIDATION_FAILED"]
    assert "nope" in response.errors[0]["message"]


def test_a_variable_of_the_wrong_type_is_graphql_validation_failed(anonymous_client):
    response = anonymous_client.run("CatalogPage", first="ten")

    assert response.error_codes() == ["GRAPHQL_VALIDATION_FAILED"]
    assert "$first" in response.errors[0]["message"]


def test_errors_with_a_code_of_their_own_keep_it(anonymous_client):
    response = anonymous_client.run("CatalogPage", first=101)

    assert response.error_codes() == ["VALIDATION"]
