def test_home_page_renders(client, make_product):
    make_product(name_sq="Karrige druri lisi")
    response = client.get("/", headers={"Accept-Language": "sq"})
    assert response.status_code == 200
    assert "Karrige druri lisi" in response.text
