import pytest

from desktopapp.inventory.room_names import guess_room

CASES = [
    ("/photos/Salon/IMG_0001.jpg", "living_room"),
    ("/photos/living room/IMG_0001.jpg", "living_room"),
    ("/x/chambre-2.jpg", "bedroom"),
    ("/x/Bedroom/IMG.HEIC", "bedroom"),
    ("/x/Cuisine/a.jpg", "kitchen"),
    ("/x/kitchen_03.jpg", "kitchen"),
    ("/x/Salle de bain/a.jpg", "bathroom"),
    ("/x/salle_de_bain2.jpg", "bathroom"),
    ("/x/Salle à manger/a.jpg", "dining_room"),
    ("/x/SALLE-A-MANGER.jpg", "dining_room"),
    ("/x/dining room/a.jpg", "dining_room"),
    ("/x/Bureau/a.jpg", "office"),
    ("/x/office.jpg", "office"),
    ("/x/Entrée/a.jpg", "hall"),
    ("/x/hallway.png", "hall"),
    ("/x/Garage/a.jpg", "garage"),
    ("/x/cave/a.jpg", "cellar"),
    ("/x/basement1.jpg", "cellar"),
    ("/x/Grenier/a.jpg", "attic"),
    ("/x/attic.jpg", "attic"),
    ("/x/Buanderie/a.jpg", "laundry"),
    ("/x/laundry room.jpg", "laundry"),
    ("/x/Jardin/a.jpg", "garden"),
    ("/x/garden.jpg", "garden"),
    ("/x/Maison/Salon/Photos/IMG_1.jpg", "living_room"),  # folders, nearest first
    ("/x/chambre/salon.jpg", "living_room"),  # the file name wins over its folder
    ("/home/me/Pictures/IMG_1234.jpg", None),
    ("/x/cavern.jpg", None),  # whole words only
    ("/x/scullery/bureaucracy.jpg", None),
]


@pytest.mark.parametrize(("path", "room"), CASES)
def test_guess_room(path, room):
    assert guess_room(path) == room
