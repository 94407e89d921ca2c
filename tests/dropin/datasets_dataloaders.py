"""PyTorch's "Datasets & DataLoaders" tutorial idioms, with only the imports changed to mytorch."""

import os

import matplotlib.pyplot as plt
import numpy as np

import mytorch as torch  # PyTorch: import torch
from mytorch import datasets  # PyTorch: from torchvision import datasets
from mytorch.transforms import ToTensor  # PyTorch: from torchvision.transforms import ToTensor
from mytorch.utils.data import DataLoader, Dataset  # PyTorch: from torch.utils.data import Dataset, DataLoader

training_data = datasets.FashionMNIST(root="data", train=True, download=True, transform=ToTensor())
test_data = datasets.FashionMNIST(root="data", train=False, download=True, transform=ToTensor())

labels_map = {
    0: "T-Shirt", 1: "Trouser", 2: "Pullover", 3: "Dress", 4: "Coat",
    5: "Sandal", 6: "Shirt", 7: "Sneaker", 8: "Bag", 9: "Ankle Boot",
}
figure = plt.figure(figsize=(8, 8))
cols, rows = 3, 3
for i in range(1, cols * rows + 1):
    sample_idx = torch.randint(len(training_data), size=(1,)).item()
    img, label = training_data[sample_idx]
    figure.add_subplot(rows, cols, i)
    plt.title(labels_map[label])
    plt.axis("off")
    plt.imshow(img.squeeze(), cmap="gray")
plt.savefig("samples.png")
plt.close(figure)


class CustomImageDataset(Dataset):
    """The tutorial's custom dataset: images and labels from files, with optional transforms."""

    def __init__(self, annotations_file, img_dir, transform=None, target_transform=None):
        with open(annotations_file) as f:
            self.img_labels = [line.split(",") for line in f.read().split()]
        self.img_dir = img_dir
        self.transform = transform
        self.target_transform = target_transform

    def __len__(self):
        return len(self.img_labels)

    def __getitem__(self, idx):
        name, label = self.img_labels[idx]
        image = np.load(os.path.join(self.img_dir, name))
        label = int(label)
        if self.transform:
            image = self.transform(image)
        if self.target_transform:
            label = self.target_transform(label)
        return image, label


os.makedirs("imgs", exist_ok=True)
with open("labels.csv", "w") as f:
    for i in range(8):
        np.save(os.path.join("imgs", f"img{i}.npy"), training_data.data[i])
        f.write(f"img{i}.npy,{int(training_data.targets[i])}\n")
custom = CustomImageDataset("labels.csv", "imgs", transform=ToTensor())
image, label = custom[3]
print(f"Custom dataset: {len(custom)} items, image {image.shape}, label {label}")

train_dataloader = DataLoader(training_data, batch_size=64, shuffle=True)
test_dataloader = DataLoader(test_data, batch_size=64, shuffle=True)

# Display image and label.
train_features, train_labels = next(iter(train_dataloader))
print(f"Feature batch shape: {train_features.size()}")
print(f"Labels batch shape: {train_labels.size()}")
img = train_features[0].squeeze()
label = train_labels[0]
plt.imshow(img, cmap="gray")
plt.savefig("first.png")
plt.close()
print(f"Label: {label}")
print("TUTORIAL COMPLETE")
