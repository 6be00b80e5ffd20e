def test_home_page_answers_in_arabic_by_default(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b'lang="ar" dir="rtl"' in response.data
